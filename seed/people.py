"""The demo users, the city team and the 2023 plan."""

from __future__ import annotations

from dataclasses import dataclass

from server.auth.models import Role


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[Role, ...]
    wards: tuple[str, ...] = ()


HAM_RONG = "14755"
DONG_THO = "14758"

USERS = (
    DemoUser("inspector1", "Lê Văn Kiểm", (Role.INSPECTOR,)),
    DemoUser("inspector2", "Nguyễn Thị Tra", (Role.INSPECTOR,)),
    DemoUser("teamlead", "Trịnh Minh Đội", (Role.TEAM_LEAD, Role.INSPECTOR)),
    DemoUser("police.hamrong", "Công an phường Hàm Rồng", (Role.WARD_POLICE,), (HAM_RONG,)),
    DemoUser("police.dongtho", "Công an phường Đông Thọ", (Role.WARD_POLICE,), (DONG_THO,)),
    DemoUser("cityoffice", "Văn phòng UBND thành phố", (Role.CITY_OFFICE,)),
    DemoUser("admin", "Quản trị hệ thống", (Role.ADMIN,)),
)

CITY_TEAM = "Đoàn kiểm tra liên ngành thành phố"
CITY_TEAM_MEMBERS = {"teamlead": True, "inspector1": False, "inspector2": False}
#: Quảng trường Lam Sơn, where the city team sets out from.
CITY_TEAM_BASE = (19.8076, 105.7766)

PLAN_YEAR = 2023
PLAN_TITLE = (
    "Kế hoạch phòng, chống tệ nạn mại dâm năm 2023 của thành phố Thanh Hóa "
    "(thực hiện Kế hoạch số 16 của tỉnh)"
)


def ward_inspector(code: str, ward_name: str) -> DemoUser:
    """The login of a ward's own inspection team (one per ward, for the demo history)."""
    return DemoUser(f"to.{code}", f"Tổ kiểm tra {ward_name}", (Role.INSPECTOR,), (code,))
