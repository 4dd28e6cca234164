"""Vietnamese labels of the tip vocabularies (channels, categories, §4.2 subjects, urgency, statuses, outcomes).

Labels are marked with ``N_`` so the message extractor finds them; templates translate them with ``_()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.i18n import LOCAL_TZ, N_

CHANNELS = {
    "hotline": N_("Đường dây nóng"),
    "in_person": N_("Trực tiếp"),
    "letter": N_("Đơn thư"),
    "email": N_("Thư điện tử"),
    "online": N_("Trực tuyến"),
    "transferred": N_("Cơ quan khác chuyển đến"),
}

CATEGORIES = {
    "TG": N_("TG – Tố giác về tội phạm"),
    "TB": N_("TB – Tin báo về tội phạm"),
    "KN": N_("KN – Kiến nghị khởi tố"),
    "TC": N_("TC – Tố cáo hành vi vi phạm pháp luật"),
    "PA": N_("PA – Phản ánh, kiến nghị về ANTT"),
}

#: §4.2 of the legal research: the subject-matter taxonomy (second level).
SUBJECTS = {
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
}

URGENCIES = {
    "U1": N_("U1 – Đang xảy ra hoặc vừa xảy ra"),
    "U2": N_("U2 – Quả tang, nghiêm trọng, đối tượng có thể bỏ trốn"),
    "U3": N_("U3 – Các tin khác"),
}

STATUSES = {
    "received": N_("Đã tiếp nhận"),
    "classified": N_("Đã phân loại"),
    "assigned": N_("Đã phân công"),
    "verifying": N_("Đang xác minh"),
    "resolved": N_("Đã giải quyết"),
    "suspended": N_("Tạm đình chỉ"),
}

OUTCOMES = {
    "inspection_done": N_("Đã kiểm tra"),
    "sanctioned": N_("Đã xử phạt"),
    "transferred_to_investigation": N_("Chuyển cơ quan điều tra"),
    "unfounded": N_("Không có căn cứ"),
}

STEPS = {
    "classify": N_("Phân loại (24 giờ)"),
    "notify_procuracy": N_("Thông báo Viện kiểm sát (3 ngày làm việc)"),
    "assign": N_("Phân công xử lý (3 ngày)"),
    "process": N_("Thụ lý tố cáo (7 ngày làm việc)"),
    "resolve": N_("Giải quyết"),
    "send_decision": N_("Gửi quyết định cho Viện kiểm sát (24 giờ)"),
    "notify_reporter": N_("Thông báo kết quả cho người báo tin (3 ngày)"),
}

ACTIONS = {
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
}

HOTSPOT_STATUSES = {
    "active": N_("Đang hoạt động"),
    "monitored": N_("Đang theo dõi"),
    "eradicated": N_("Đã xóa bỏ"),
}


def due_text(value: datetime | None) -> str:
    """A deadline in Vietnamese time; one that ends a day reads "19/02/2024 24:00", not the next midnight."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%d/%m/%Y") + " 24:00"
    return local.strftime("%d/%m/%Y %H:%M")
