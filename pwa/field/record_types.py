"""Sightings and their follow-ups as record types of the sync protocol (pwa/sync/registry.py)."""
from flask_babel import lazy_gettext as _l

from ..models import Sighting, SightingUpdate
from ..sync.registry import RecordType, register
from . import records
from .forms import SightingForm, SightingUpdateForm

SIGHTING = register(RecordType(
    name="sighting", model=Sighting, form=SightingForm, store=records.store_sighting,
    permission="sighting.create", label=_l("Crowd sighting"),
    label_plural=_l("Crowd sightings"), correct_path="/field/sightings/new", position=20,
    example={
        "type": "sighting",
        "id": "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 2,
        "created_at": "2021-10-21T02:31:00Z",
        "author": "thanhvien",
        "data": {
            "site": "TCD-TW", "place_text": "", "latitude": 21.0227, "longitude": 105.8194,
            "accuracy": 25, "seen_at": "21/10/2021 09:30", "people_count": 12,
            "communes": ["09079", "09100"], "watch_entry": "",
            "demands": "Đòi bồi thường đất nông nghiệp", "banners": "Băng rôn đòi quyền lợi",
            "leaders": "Ông Nguyễn Văn A", "police": "present", "notes": "", "photos": [],
        },
    }))

SIGHTING_UPDATE = register(RecordType(
    name="sighting_update", model=SightingUpdate, form=SightingUpdateForm,
    store=records.store_sighting_update, permission="sighting.create",
    label=_l("Sighting follow-up"), label_plural=_l("Sighting follow-ups"),
    correct_path="/field/updates/new", position=30,
    example={
        "type": "sighting_update",
        "id": "8b2f3c4d-5e6f-4a71-9b8c-0d1e2f3a4b5c",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 3,
        "created_at": "2021-10-21T03:15:00Z",
        "author": "thanhvien",
        "data": {
            "sighting": "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "at": "21/10/2021 10:15",
            "people_count": 8, "action": "persuaded", "note": "Đã vận động 4 người về",
            "photos": [], "closed": False,
        },
    }))
