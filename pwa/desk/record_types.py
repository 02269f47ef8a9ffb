"""The visit as a record type of the sync protocol (see pwa/sync/registry.py)."""
from flask_babel import lazy_gettext as _l

from ..models import Visit
from ..sync.registry import RecordType, register
from . import records
from .forms import VisitForm


def _prepare_visit(data: dict) -> dict:
    data = dict(data)
    if isinstance(data.get("representatives"), list):
        data["representatives"] = "\n".join(str(n) for n in data["representatives"])
    return data


VISIT = register(RecordType(
    name="visit", model=Visit, form=VisitForm, store=records.store_visit,
    permission="visit.create", label=_l("Visit"), label_plural=_l("Visits"),
    correct_path="/visits/new", prepare=_prepare_visit, position=10,
    example={
        "type": "visit",
        "id": "5f0c4c1e-8a9b-4d7e-9f2a-1b2c3d4e5f60",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 1,
        "created_at": "2021-10-21T02:15:00Z",
        "author": "tiepdan",
        "data": {
            "received_on": "2021-10-21", "shift": "morning", "reception_type": "regular",
            "source": "in_person", "citizen_name": "Nguyễn Văn A",
            "id_number": "026085001234", "address": "Thôn Đông, xã Kim Xá",
            "commune": "09079", "phone": "0912345678", "people_count": 7,
            "representatives": ["Nguyễn Văn A", "Trần Văn B"],
            "kinds": ["khieu_nai", "kien_nghi"], "subject_area": "dat_dai",
            "content": "Khiếu nại về bồi thường giải phóng mặt bằng",
            "request": "Đề nghị xem xét lại mức bồi thường", "prior_handler": "UBND xã Kim Xá",
            "is_repeat": False, "direction": "thu_ly", "forwarded_to": "", "guidance": "",
            "refusal_reason": "", "refusal_note": "", "documents": "Đơn khiếu nại, 02 trang",
            "notes": "", "consent_to_disclose": False,
        },
    }))
