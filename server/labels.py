"""The one translation table of every closed set's labels (Vietnamese source strings, English by the catalog).

Each kind maps an internal value to its Vietnamese label, marked with ``N_`` for the extractor; ``label(value,
kind)`` translates it in the request's language. Templates use the filter ``{{ value|label("flag") }}`` and the
global ``choices("type")`` (value → translated label, in table order, for pickers).
"""

from __future__ import annotations

import re
from typing import Any

from server.i18n import N_, gettext, language

TABLE: dict[str, dict[str, str]] = {
    # inspections
    "state": {
        "submitted": N_("Chờ duyệt"),
        "approved": N_("Đã duyệt"),
        "returned": N_("Trả lại để sửa"),
        "escalated": N_("Chuyển thành phố"),
        "rejected": N_("Không chấp nhận"),
    },
    "outcome": {
        "compliant": N_("Không phát hiện vi phạm"),
        "violations": N_("Phát hiện vi phạm"),
        "closed_at_visit": N_("Cơ sở đóng cửa khi đến kiểm tra"),
        "refused_entry": N_("Cơ sở không cho kiểm tra"),
    },
    "flag": {
        "no_fix": N_("Không có vị trí GPS"),
        "far_from_registered_point": N_("Xa vị trí đăng ký của cơ sở"),
        "poor_accuracy": N_("Vị trí GPS kém chính xác"),
        "clock_skew": N_("Đồng hồ điện thoại lệch giờ máy chủ"),
        "no_registered_point": N_("Cơ sở chưa có vị trí đăng ký"),
    },
    "form_error": {
        "required": N_("Bắt buộc trả lời"),
        "wrong_type": N_("Sai kiểu dữ liệu"),
        "out_of_range": N_("Ngoài khoảng cho phép"),
        "unknown_choice": N_("Lựa chọn không có"),
        "not_relevant": N_("Câu hỏi không áp dụng"),
        "constraint": N_("Chưa đạt yêu cầu"),
        "violations_found": N_("Có vi phạm: kết quả không thể là “không phát hiện vi phạm”"),
        "mismatch": N_("Kết quả không khớp"),
    },
    # places
    "ward_kind": {"phường": N_("Phường"), "xã": N_("Xã")},
    # registry
    "type": {
        "karaoke": N_("Karaoke"),
        "dance_hall": N_("Vũ trường"),
        "lodging": N_("Cơ sở lưu trú"),
        "massage": N_("Xoa bóp (massage)"),
        "bar": N_("Quán bar"),
        "hair_salon": N_("Cắt tóc gội đầu thư giãn"),
    },
    "establishment_status": {
        "active": N_("Đang hoạt động"),
        "suspended": N_("Tạm ngừng"),
        "closed": N_("Đã đóng cửa"),
    },
    "coverage_state": {
        "not_inspected": N_("Chưa kiểm tra"),
        "inspected": N_("Đã kiểm tra"),
        "violations": N_("Có vi phạm"),
    },
    "import_problem": {
        "required": N_("Thiếu giá trị bắt buộc."),
        "too_long": N_("Giá trị quá dài."),
        "unknown_type": N_("Loại hình không có trong danh mục."),
        "unknown_status": N_("Trạng thái không có trong danh mục."),
        "bad_number": N_("Giá trị không phải là số."),
        "bad_coordinate": N_("Toạ độ không hợp lệ."),
        "outside_city": N_("Điểm nằm ngoài thành phố."),
        "not_geocoded": N_("Không tìm được toạ độ từ địa chỉ."),
        "duplicate_in_file": N_("Số ĐKKD bị trùng trong tệp."),
        "out_of_scope": N_("Cơ sở nằm ngoài địa bàn của bạn."),
        "empty_file": N_("Tệp rỗng."),
        "wrong_file_type": N_("Sai loại tệp: hãy chọn tệp .xlsx hoặc .csv."),
        "missing_columns": N_("Tệp thiếu cột bắt buộc."),
        "no_rows": N_("Tệp không có dòng dữ liệu."),
        "too_many_rows": N_("Tệp có quá nhiều dòng."),
    },
    # planning
    "stop": {
        "planned": N_("Chưa đến"),
        "done": N_("Đã kiểm tra"),
        "not_found": N_("Không tìm thấy"),
        "closed": N_("Đóng cửa"),
        "refused_entry": N_("Không cho kiểm tra"),
    },
    "team_kind": {"city": N_("Đoàn thành phố"), "ward": N_("Tổ phường, xã")},
    # people
    "role": {
        "inspector": N_("Cán bộ kiểm tra"),
        "team_lead": N_("Trưởng đoàn"),
        "ward_police": N_("Công an phường, xã"),
        "city_office": N_("Công an thành phố"),
        "admin": N_("Quản trị"),
    },
    # review
    "decision": {
        "approve": N_("Duyệt"),
        "return": N_("Trả lại"),
        "escalate": N_("Chuyển lên thành phố"),
        "reject": N_("Không chấp nhận"),
        "resubmit": N_("Gửi lại"),
    },
    "follow_up": {
        "sanction": N_("Quyết định xử phạt"),
        "remediation": N_("Thời hạn khắc phục"),
        "reinspection": N_("Kiểm tra lại"),
        "licence_recommendation": N_("Kiến nghị đình chỉ, thu hồi giấy phép"),
    },
    "follow_up_status": {"open": N_("Đang theo dõi"), "done": N_("Đã xong"), "cancelled": N_("Đã huỷ")},
    "subject_kind": {"individual": N_("Cá nhân"), "organisation": N_("Tổ chức")},
    # tips
    "channel": {
        "hotline": N_("Đường dây nóng"),
        "in_person": N_("Trực tiếp"),
        "letter": N_("Đơn thư"),
        "email": N_("Thư điện tử"),
        "online": N_("Trực tuyến"),
        "transferred": N_("Cơ quan khác chuyển đến"),
    },
    "category": {
        "TG": N_("TG – Tố giác về tội phạm"),
        "TB": N_("TB – Tin báo về tội phạm"),
        "KN": N_("KN – Kiến nghị khởi tố"),
        "TC": N_("TC – Tố cáo hành vi vi phạm pháp luật"),
        "PA": N_("PA – Phản ánh, kiến nghị về ANTT"),
    },
    #: §4.2 of the legal research: the subject-matter taxonomy (second level).
    "subject": {
        "mai_dam.mua_dam": N_("Mua dâm"),
        "mai_dam.ban_dam": N_("Bán dâm"),
        "mai_dam.chua": N_("Chứa mại dâm"),
        "mai_dam.moi_gioi": N_("Môi giới mại dâm"),
        "mai_dam.mua_dam_nguoi_duoi_18": N_("Mua dâm người dưới 18 tuổi"),
        "mai_dam.cuong_buc_to_chuc_bao_ke": N_("Cưỡng bức, tổ chức, bảo kê mại dâm"),
        "mai_dam.loi_dung_kinh_doanh": N_("Lợi dụng kinh doanh để hoạt động mại dâm"),
        "ma_tuy.to_chuc_su_dung": N_("Tổ chức sử dụng trái phép chất ma túy"),
        "ma_tuy.chua_chap": N_("Chứa chấp việc sử dụng trái phép chất ma túy"),
        "ma_tuy.su_dung": N_("Sử dụng trái phép chất ma túy"),
        "mua_ban_nguoi": N_("Mua bán người"),
        "xam_hai_tinh_duc_tre_em": N_("Xâm hại tình dục trẻ em"),
        "danh_bac": N_("Đánh bạc"),
        "dieu_kien_antt": N_("Điều kiện về ANTT"),
        "karaoke_vu_truong": N_("Kinh doanh karaoke, vũ trường"),
        "luu_tru_cu_tru": N_("Lưu trú, cư trú"),
        "pccc": N_("Phòng cháy, chữa cháy"),
        "tieng_on": N_("Tiếng ồn"),
        "lao_dong_vi_thanh_nien": N_("Lao động là người chưa thành niên"),
        "khac": N_("Khác"),
    },
    "urgency": {
        "U1": N_("U1 – Đang xảy ra hoặc vừa xảy ra"),
        "U2": N_("U2 – Quả tang, nghiêm trọng, đối tượng có thể bỏ trốn"),
        "U3": N_("U3 – Các tin khác"),
    },
    "tip_status": {
        "received": N_("Đã tiếp nhận"),
        "classified": N_("Đã phân loại"),
        "assigned": N_("Đã phân công"),
        "verifying": N_("Đang xác minh"),
        "resolved": N_("Đã giải quyết"),
        "suspended": N_("Tạm đình chỉ"),
    },
    "tip_outcome": {
        "inspection_done": N_("Đã kiểm tra"),
        "sanctioned": N_("Đã xử phạt"),
        "transferred_to_investigation": N_("Chuyển cơ quan điều tra"),
        "unfounded": N_("Không có căn cứ"),
    },
    "tip_step": {
        "classify": N_("Phân loại (24 giờ)"),
        "notify_procuracy": N_("Thông báo Viện kiểm sát (3 ngày làm việc)"),
        "assign": N_("Phân công xử lý (3 ngày)"),
        "process": N_("Thụ lý tố cáo (7 ngày làm việc)"),
        "resolve": N_("Giải quyết"),
        "send_decision": N_("Gửi quyết định cho Viện kiểm sát (24 giờ)"),
        "notify_reporter": N_("Thông báo kết quả cho người báo tin (3 ngày)"),
    },
    "tip_action": {
        "create": N_("Tiếp nhận"),
        "classify": N_("Phân loại"),
        "assign": N_("Phân công"),
        "start": N_("Bắt đầu xác minh"),
        "suspend": N_("Tạm đình chỉ"),
        "resume": N_("Phục hồi"),
        "resolve": N_("Giải quyết"),
        "extend": N_("Gia hạn"),
        "notify_procuracy": N_("Đã thông báo Viện kiểm sát"),
        "send_decision": N_("Đã gửi quyết định cho Viện kiểm sát"),
        "notify_reporter": N_("Đã thông báo người báo tin"),
        "link_inspection": N_("Gắn lượt kiểm tra"),
    },
    "hotspot_status": {
        "active": N_("Đang hoạt động"),
        "monitored": N_("Đang theo dõi"),
        "eradicated": N_("Đã xóa bỏ"),
    },
    "licence_action": {"suspend": N_("Đình chỉ"), "revoke": N_("Thu hồi")},
    # plan indicators
    "activity_kind": {
        "meeting": N_("Hội nghị, buổi nói chuyện"),
        "leaflet": N_("Tờ rơi, pa nô, áp phích"),
        "broadcast": N_("Loa truyền thanh, báo, mạng xã hội"),
        "training": N_("Tập huấn"),
        "other": N_("Hình thức khác"),
    },
    "audience": {
        "business_workers": N_("Người lao động tại cơ sở kinh doanh"),
        "industrial_workers": N_("Công nhân khu công nghiệp"),
        "students": N_("Học sinh, sinh viên"),
        "public": N_("Nhân dân"),
    },
    # audit
    "action": {
        "user.create": N_("Tạo người dùng"),
        "user.update": N_("Sửa người dùng"),
        "user.password_reset": N_("Đặt lại mật khẩu"),
        "session.login": N_("Đăng nhập"),
        "session.logout": N_("Đăng xuất"),
        "ward.import": N_("Nhập danh sách phường, xã"),
        "establishment.create": N_("Thêm cơ sở"),
        "establishment.update": N_("Sửa cơ sở"),
        "establishment.import": N_("Nhập danh sách cơ sở"),
        "assignment.create": N_("Lập lịch kiểm tra"),
        "assignment.stop_update": N_("Cập nhật điểm dừng"),
        "team.create": N_("Lập đoàn, tổ"),
        "team.member_set": N_("Xếp người vào đoàn, tổ"),
        "plan.create": N_("Lập kế hoạch năm"),
        "plan.update": N_("Sửa kế hoạch năm"),
        "ward_year.update": N_("Cập nhật kết quả năm của phường, xã"),
        "capacity.update": N_("Sửa năng lực kiểm tra"),
        "schedule.plan": N_("Lập lịch kiểm tra năm"),
        "schedule.move": N_("Chuyển cơ sở sang buổi khác trong lịch"),
        "schedule.publish": N_("Giao việc theo lịch kiểm tra năm"),
        "form.import": N_("Tải lên mẫu biên bản (XLSForm)"),
        "form.publish": N_("Ban hành phiên bản mẫu biên bản"),
        "device_token.issue": N_("Cấp mã cho thiết bị ODK"),
        "device_token.revoke": N_("Thu hồi mã thiết bị ODK"),
        "awareness_activity.add": N_("Ghi nhận hoạt động tuyên truyền"),
        "awareness_activity.remove": N_("Xoá hoạt động tuyên truyền ghi nhầm"),
        "inspection.create": N_("Gửi lượt kiểm tra"),
        "inspection.attachment_add": N_("Thêm ảnh"),
        "seed.load": N_("Nạp dữ liệu mẫu"),
        "review.approve": N_("Duyệt"),
        "review.return": N_("Trả lại"),
        "review.escalate": N_("Chuyển lên thành phố"),
        "review.reject": N_("Không chấp nhận"),
        "review.resubmit": N_("Gửi lại"),
        "follow_up.create": N_("Ghi nhận biện pháp xử lý"),
        "follow_up.update": N_("Cập nhật biện pháp xử lý"),
        "webhook.dead": N_("Ngừng gửi thông báo"),
        "webhook.requeue": N_("Gửi lại thông báo"),
        "tip.create": N_("Tiếp nhận tin báo"),
        "tip.classify": N_("Phân loại tin báo"),
        "tip.assign": N_("Phân công xử lý tin báo"),
        "tip.start": N_("Bắt đầu xác minh"),
        "tip.suspend": N_("Tạm đình chỉ"),
        "tip.resume": N_("Phục hồi"),
        "tip.resolve": N_("Giải quyết"),
        "tip.extend": N_("Gia hạn"),
        "tip.notify_procuracy": N_("Đã thông báo Viện kiểm sát"),
        "tip.send_decision": N_("Đã gửi quyết định cho Viện kiểm sát"),
        "tip.notify_reporter": N_("Đã thông báo người báo tin"),
        "tip.link_inspection": N_("Gắn lượt kiểm tra"),
        "tip.reporter_viewed": N_("Xem người báo tin"),
        "hotspot.create": N_("Lập điểm nóng"),
        "hotspot.status": N_("Đổi trạng thái điểm nóng"),
    },
    # webhooks
    "delivery_status": {"pending": N_("Đang chờ gửi"), "delivered": N_("Đã gửi"), "dead": N_("Gửi không được")},
}


#: The label of each field of the forms and filters, for the messages that name what to fix (not a closed set of
#: values, so not in ``TABLE``: the names also appear in documentation, e.g. the GeoJSON properties).
FIELDS: dict[str, str] = {
    "name": N_("Tên"), "type": N_("Loại hình"), "address": N_("Địa chỉ"), "lat": N_("Vĩ độ"),
    "lon": N_("Kinh độ"), "ward": N_("Phường, xã"), "ward_override_reason": N_("Lý do"),
    "business_reg_no": N_("Số ĐKKD"), "security_cert_no": N_("Giấy chứng nhận ANTT"),
    "operating_licence_no": N_("Giấy phép kinh doanh"), "legal_rep": N_("Người đại diện"),
    "phone": N_("Điện thoại"), "rooms": N_("Số phòng"), "workers": N_("Số lao động"), "status": N_("Trạng thái"),
    "opened_on": N_("Ngày bắt đầu hoạt động"), "closed_on": N_("Ngày đóng cửa"), "state": N_("Trạng thái"),
    "q": N_("Tìm kiếm"), "last": N_("Lần kiểm tra gần nhất"), "day": N_("Ngày"), "date": N_("Ngày"),
    "page": N_("Trang"), "per_page": N_("Số dòng mỗi trang"), "offset": N_("Trang"), "limit": N_("Số dòng"),
    "year": N_("Năm"), "valid_from": N_("Ngày hiệu lực"),
    "flag": N_("Dấu hiệu"), "violations": N_("Vi phạm"), "team_id": N_("Đoàn, tổ"),
    "establishment_ids": N_("Cơ sở"), "establishment_id": N_("Cơ sở"), "note": N_("Ghi chú"),
    "tip_id": N_("Tin báo"), "inspection": N_("Lượt kiểm tra"), "evidence": N_("Chứng cứ"), "on": N_("Ngày"),
    "handler": N_("Người xử lý"), "category": N_("Phân loại"), "subject": N_("Nội dung"),
    "urgency": N_("Mức khẩn cấp"), "outcome": N_("Kết quả"), "reason": N_("Lý do"), "channel": N_("Kênh tiếp nhận"),
    "received_at": N_("Thời điểm tiếp nhận"), "reporter_name": N_("Người báo tin"),
    "reporter_contact": N_("Liên hệ của người báo tin"), "description": N_("Nội dung tin báo"),
    "action": N_("Thao tác"), "actor": N_("Người thực hiện"), "kind": N_("Loại"), "order": N_("Sắp xếp"),
    "overdue": N_("Quá hạn"), "body": N_("Nội dung gửi lên"),
}


def label(value: Any, kind: str) -> str:
    """The label of ``value`` in the request's language; an empty value is ""; an unknown one shows as is."""
    if value is None or value == "":
        return ""
    key = getattr(value, "value", value)
    source = TABLE[kind].get(str(key))
    return gettext(source) if source is not None else str(key)


def field_label(path: str) -> str:
    """The label of the field a path names (``establishment_ids[0]`` → the label of ``establishment_ids``)."""
    name = re.split(r"[.\[]", path, maxsplit=1)[0]
    source = FIELDS.get(name)
    return gettext(source) if source is not None else name


def labels(kind: str) -> dict[str, str]:
    """Value → translated label of one kind, in table order (for pickers)."""
    return {value: gettext(source) for value, source in TABLE[kind].items()}


def values() -> dict[str, frozenset[str]]:
    """Every internal value of every kind (the page test looks for them in visible text)."""
    return {kind: frozenset(table) for kind, table in TABLE.items()}


def bilingual(value: Any) -> str:
    """A ``{vi, en}`` text of a form definition (dict or struct) in the request's language."""
    if not value:
        return ""
    if not isinstance(value, dict):
        value = {"vi": value.vi, "en": value.en}
    return value.get(language.get()) or value.get("vi") or ""


def install(env: Any) -> None:
    """The Jinja filters ``label``, ``field`` and ``bilingual``, and the global ``choices``."""
    env.filters["label"] = label
    env.filters["field"] = field_label
    env.filters["bilingual"] = bilingual
    env.globals["choices"] = labels
