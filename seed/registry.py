"""A deterministic demo registry of conditional businesses, placed inside the real ward polygons.

Pure data generation (no database): the same seed gives the same businesses, so the demo and the
tests see the same city.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from maps.wards import WardIndex

#: Weighted like the province's own counts: lodging and karaoke most common, massage rare.
TYPE_WEIGHTS = {
    "lodging": 40,
    "karaoke": 28,
    "bar": 12,
    "hair_salon": 10,
    "dance_hall": 5,
    "massage": 5,
}

NAME_PARTS = {
    "lodging": (["Khách sạn", "Nhà nghỉ", "Nhà nghỉ", "Homestay", "Khách sạn"],
                ["Hoàng Gia", "Hạc Thành", "Sao Mai", "Bình Minh", "Phương Đông", "Lam Kinh", "Hồng Hà",
                 "Thanh Bình", "Hoa Sen", "Biển Xanh", "Đông Sơn", "Mimosa", "An Phú", "Phú Gia", "Hải Âu",
                 "Ngọc Lan", "Thiên Ân", "Minh Châu", "Hương Giang", "Trường An"]),
    "karaoke": (["Karaoke"],
                ["Kingdom", "Nice", "Sành Điệu", "Hát Cho Nhau Nghe", "Thế Giới Mới", "Bống", "Luxury",
                 "Diamond", "Paris", "Hoa Mai", "Sóng Nhạc", "Vua Karaoke", "Mây Trắng", "Ngôi Sao",
                 "Hải Đăng", "Nốt Nhạc Xanh"]),
    "bar": (["Bar", "Pub", "Lounge", "Quán rượu"],
            ["Sky", "Bến Cảng", "Phố Cổ", "Đêm Xanh", "Mộc", "Vintage", "Lửa", "Gió", "Hoàng Hôn", "Tự Do"]),
    "hair_salon": (["Cắt tóc gội đầu thư giãn", "Salon tóc", "Gội đầu dưỡng sinh"],
                   ["Hương", "Thảo", "Linh", "Mai Anh", "Ngọc", "Hằng", "Thu Trang", "Lan Chi", "Bích", "Yến"]),
    "dance_hall": (["Vũ trường", "Club"],
                   ["Galaxy", "Ánh Sao", "New Century", "Hạc Thành", "Paradise", "Cung Đàn"]),
    "massage": (["Massage", "Xoa bóp bấm huyệt", "Spa & Massage"],
                ["Thư Giãn", "Sen Vàng", "Hoa Đào", "An Nhiên", "Thanh Tâm", "Mộc Lan"]),
}

STREETS = ["Lê Lợi", "Trần Phú", "Quang Trung", "Bà Triệu", "Lê Hoàn", "Hạc Thành", "Nguyễn Trãi",
           "Phan Chu Trinh", "Tống Duy Tân", "Lê Lai", "Triệu Quốc Đạt", "Dương Đình Nghệ", "Nguyễn Chí Thanh",
           "Tô Vĩnh Diện", "Hàng Đồng", "Cửa Tả", "Lê Thánh Tông", "Trường Thi", "Nguyễn Trường Tộ",
           "Bến Ngự", "Đinh Công Tráng", "Hải Thượng Lãn Ông", "Lạc Long Quân", "Nguyễn Du", "Mai An Tiêm"]

SURNAMES = ["Nguyễn", "Lê", "Trần", "Phạm", "Hoàng", "Đỗ", "Vũ", "Trịnh", "Mai", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Long", "Nam", "Nga", "Phúc",
         "Quân", "Sơn", "Tâm", "Thắng", "Thủy", "Trang", "Tuấn"]

#: Central wards hold more businesses than the peri-urban communes.
BUSY_WARDS = {"14767", "14776", "14773", "14764", "14758", "14779", "14782", "14770", "14788", "14794",
              "14797", "14755"}


@dataclass(frozen=True)
class DemoEstablishment:
    ward_code: str
    type: str
    name: str
    address: str
    lat: float
    lon: float
    business_reg_no: str
    security_cert_no: str | None
    operating_licence_no: str | None
    legal_rep: str
    rooms: int | None
    status: str
    opened_on: date
    closed_on: date | None


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def generate(wards: WardIndex, count: int = 700, seed: int = 2023) -> list[DemoEstablishment]:
    """``count`` businesses spread over the wards, three times as dense in the central wards."""
    rng = random.Random(seed)
    codes = sorted(wards.codes)
    weights = [3 if c in BUSY_WARDS else 1 for c in codes]
    types = list(TYPE_WEIGHTS)
    out = []
    for n in range(1, count + 1):
        code = rng.choices(codes, weights)[0]
        kind = rng.choices(types, [TYPE_WEIGHTS[t] for t in types])[0]
        prefixes, names = NAME_PARTS[kind]
        lat, lon = wards.random_point_in(code, rng)
        status = rng.choices(["active", "suspended", "closed"], [92, 3, 5])[0]
        opened = date(rng.randint(2008, 2023), rng.randint(1, 12), rng.randint(1, 28))
        closed = date(2023, rng.randint(1, 12), rng.randint(1, 28)) if status == "closed" else None
        rooms = rng.randint(6, 40) if kind == "lodging" else rng.randint(4, 20) if kind == "karaoke" else None
        out.append(
            DemoEstablishment(
                ward_code=code, type=kind,
                name=f"{rng.choice(prefixes)} {rng.choice(names)} {n}" if n % 7 == 0
                else f"{rng.choice(prefixes)} {rng.choice(names)}",
                address=f"Số {rng.randint(1, 399)} {rng.choice(STREETS)}",
                lat=round(lat, 6), lon=round(lon, 6),
                business_reg_no=f"2801{n:06d}",
                security_cert_no=f"{n:04d}/GCN-ANTT" if kind != "hair_salon" else None,
                operating_licence_no=f"{n:04d}/GP-VHTTDL" if kind in ("karaoke", "dance_hall") else None,
                legal_rep=person(rng), rooms=rooms, status=status, opened_on=opened, closed_on=closed,
            )
        )
    return out
