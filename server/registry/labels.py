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
    return {"types": type_labels(), "statuses": status_labels(), "stops": stop_labels()}
