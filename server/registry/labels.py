"""Display names of the registry's and the route's closed sets, in the request's language."""

from __future__ import annotations

from server.i18n import gettext as _


def type_labels() -> dict[str, str]:
    return {"karaoke": _("Karaoke"), "dance_hall": _("Vũ trường"), "lodging": _("Cơ sở lưu trú"),
            "massage": _("Xoa bóp (massage)"), "bar": _("Quán bar"), "hair_salon": _("Cắt tóc gội đầu thư giãn")}


def status_labels() -> dict[str, str]:
    return {"active": _("Đang hoạt động"), "suspended": _("Tạm ngừng"), "closed": _("Đã đóng cửa")}


def stop_labels() -> dict[str, str]:
    return {"planned": _("Chưa đến"), "done": _("Đã kiểm tra"), "not_found": _("Không tìm thấy"),
            "closed": _("Đóng cửa"), "refused_entry": _("Không cho vào")}


def labels() -> dict[str, dict[str, str]]:
    """Every label table, for templates."""
    return {"types": type_labels(), "statuses": status_labels(), "stops": stop_labels(),
            "problems": problem_labels()}


def problem_labels() -> dict[str, str]:
    """What each import problem code means, for the report."""
    return {"required": _("thiếu giá trị"), "too_long": _("quá dài"), "unknown_type": _("loại hình không có"),
            "unknown_status": _("trạng thái không có"), "bad_number": _("không phải số"),
            "bad_coordinate": _("toạ độ sai"), "outside_city": _("điểm nằm ngoài thành phố"),
            "not_geocoded": _("không tìm được toạ độ từ địa chỉ"), "duplicate_in_file": _("số ĐKKD trùng trong tệp"),
            "out_of_scope": _("ngoài địa bàn của bạn"), "empty_file": _("tệp rỗng"),
            "wrong_file_type": _("sai loại tệp"), "missing_columns": _("thiếu cột"),
            "no_rows": _("không có dòng dữ liệu"),
            "too_many_rows": _("quá nhiều dòng")}
