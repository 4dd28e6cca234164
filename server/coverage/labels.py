"""Translated labels of the coverage pages, maps and report (Vietnamese source strings)."""

from __future__ import annotations

from typing import Any

from server.coverage.schemas import WardCoverageOut
from server.i18n import gettext as _
from server.labels import labels as choices


def type_labels() -> dict[str, str]:
    return choices("type")


def state_labels() -> dict[str, str]:
    return choices("coverage_state")


def month_labels() -> list[str]:
    return [_("T{month}").format(month=m) for m in range(1, 13)]


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def ward_popup(w: WardCoverageOut) -> str:
    """Plain text (the map escapes it): name, figures, target."""
    lines = [w.name, _("Đã kiểm tra: {inspected}/{active} cơ sở ({ratio})").format(
        inspected=w.inspected, active=w.active, ratio=percent(w.ratio))]
    if w.to_target:
        lines.append(_("Còn {n} cơ sở để đạt chỉ tiêu {target}").format(n=w.to_target, target=percent(w.target)))
    else:
        lines.append(_("Đạt chỉ tiêu {target}").format(target=percent(w.target)))
    return "\n".join(lines)


def map_text() -> dict[str, Any]:
    states, types = state_labels(), type_labels()
    return {
        "state": lambda s: states.get(s, s), "type": lambda t: types.get(t, t), "ward_popup": ward_popup,
        "legend_title": _("Tỷ lệ cơ sở đã kiểm tra"), "no_data": _("Không có cơ sở"),
        "points_title": _("Cơ sở kinh doanh"),
    }
