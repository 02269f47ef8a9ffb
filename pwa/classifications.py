"""The law's classifications as code → label tables (DOMAIN.md). Labels go through Babel."""
from flask_babel import lazy_gettext as _l

RECEPTION_TYPES = {
    "regular": _l("Regular"),          # thường xuyên
    "scheduled": _l("Scheduled"),      # định kỳ
    "ad_hoc": _l("Ad hoc"),            # đột xuất
}

SOURCES = {
    "in_person": _l("In person"),
    "post": _l("By post"),
    "forwarded": _l("Forwarded by another body"),
}

PETITION_KINDS = {
    "khieu_nai": _l("Complaint (khiếu nại)"),
    "to_cao": _l("Denunciation (tố cáo)"),
    "kien_nghi": _l("Petition (kiến nghị)"),
    "phan_anh": _l("Reflection (phản ánh)"),
}

SUBJECT_AREAS = {
    "chinh_sach": _l("Administrative: policy and benefits"),
    "dat_dai": _l("Administrative: land and housing"),
    "hanh_chinh_khac": _l("Administrative: other"),
    "tu_phap": _l("Judicial"),
    "dang_doan_the": _l("Party and mass organisations"),
    "cong_vu": _l("Public duty (denunciations only)"),
    "tham_nhung": _l("Corruption (denunciations only)"),
}
# Areas the law lists for denunciations alone.
DENUNCIATION_ONLY_AREAS = {"cong_vu", "tham_nhung"}

DIRECTIONS = {
    "thu_ly": _l("Accept for resolution (thụ lý)"),
    "huong_dan": _l("Return with guidance to the competent body (hướng dẫn)"),
    "chuyen_don": _l("Forward to the competent body (chuyển đơn)"),
    "don_doc": _l("Remind the overdue body (đôn đốc)"),
    "giai_thich": _l("Explain and ask to stop: already resolved correctly"),
    "luu_don": _l("Return or file the petition (trả đơn, lưu đơn)"),
    "tu_choi": _l("Refuse reception (từ chối tiếp)"),
}
# Directions that need the name of the body the matter goes to.
DIRECTIONS_NEEDING_BODY = {"chuyen_don", "don_doc"}

REFUSAL_REASONS = {
    "incapacity": _l("Intoxicated or mentally incapable of controlling their acts"),
    "disorder": _l("Threats, insults or breaking the reception office's rules"),
    "resolved": _l("Already resolved correctly, reviewed and answered in writing"),
    "other_law": _l("Another case set by law"),
}
# These reasons must be backed by a written notice or legal basis, so a note is required.
REFUSAL_REASONS_NEEDING_NOTE = {"resolved", "other_law"}

# The register's three handling columns (Mẫu số 03) and which directions fall in each.
REGISTER_COLUMNS = {
    "thu_ly": {"thu_ly"},
    "huong_dan": {"huong_dan", "giai_thich", "luu_don"},
    "chuyen_don": {"chuyen_don", "don_doc"},
}

SHIFT_LABELS = {
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "outside": _l("Outside duty hours"),
}

GROUP_THRESHOLD = 5  # đoàn đông người: 5 or more people with the same content
MAX_REPRESENTATIVES = 5  # a group sends at most 5 representatives

# --- Field reports (the plan, part III.2) ---

POLICE = {
    "unknown": _l("Not known"),
    "none": _l("No police present"),
    "present": _l("Police present"),
    "informed": _l("Police informed"),
}

ACTIONS = {
    "": _l("— no action —"),
    "persuaded": _l("Persuaded (vận động, thuyết phục)"),
    "returned_commune": _l("Brought back to the commune"),
    "returned_unit": _l("Brought back to the unit's office"),
    "handed_over": _l("Handed to the competent body"),
    "dispersed": _l("Dispersed"),
    "other": _l("Other"),
}

WATCH_KINDS = {"group": _l("Crowd delegation"), "citizen": _l("Citizen with a complex case")}
RISKS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
WATCH_STATUSES = {
    "monitoring": _l("Monitoring"),
    "dialogue": _l("Dialogue planned"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

# Sites at these levels are over the unit's head: a crowd there needs the leader at once.
ESCALATION_LEVELS = {"province", "central"}
MAX_PHOTOS = 5
