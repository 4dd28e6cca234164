"""Vietnamese labels of review states, decisions and follow-up kinds (marked for the extractor with
``N_``; templates translate them with ``_()``)."""

from __future__ import annotations

from server.i18n import N_

STATES = {
    "submitted": N_("Chờ duyệt"),
    "approved": N_("Đã duyệt"),
    "returned": N_("Trả lại để sửa"),
    "escalated": N_("Chuyển thành phố"),
    "rejected": N_("Không chấp nhận"),
}
DECISIONS = {
    "approve": N_("Duyệt"),
    "return": N_("Trả lại"),
    "escalate": N_("Chuyển lên thành phố"),
    "reject": N_("Không chấp nhận"),
    "resubmit": N_("Gửi lại"),
}
FOLLOW_UPS = {
    "sanction": N_("Quyết định xử phạt"),
    "remediation": N_("Thời hạn khắc phục"),
    "reinspection": N_("Kiểm tra lại"),
    "licence_recommendation": N_("Kiến nghị đình chỉ, thu hồi giấy phép"),
}
CONTEXT = {"state_labels": STATES, "decision_labels": DECISIONS, "follow_up_labels": FOLLOW_UPS}
