"""Rules for field facts: storing sightings and follow-ups once, deriving a sighting's state,
flagging what the leader must see at once, and photos stored once by id and hash."""
import hashlib
from datetime import datetime

from ..classifications import ESCALATION_LEVELS
from ..database import utcnow
from ..extensions import db
from ..models import Photo, Sighting, SightingUpdate, Site, User
from ..models.visits import is_group

PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n",
               "image/webp": b"RIFF"}


def image_signature_matches(body: bytes, content_type: str) -> bool:
    """Whether the bytes start as the type claims; WebP is a RIFF container whose form type
    "WEBP" sits at offset 8 (any RIFF file, e.g. a WAV, starts "RIFF")."""
    if not body.startswith(PHOTO_TYPES[content_type]):
        return False
    return content_type != "image/webp" or body[8:12] == b"WEBP"


def needs_leader(site_level: str, people: int) -> bool:
    """A group of 5 or more, or any crowd at a provincial or central site, is flagged."""
    return is_group(people) or site_level in ESCALATION_LEVELS


def derive_state(sighting: Sighting) -> None:
    """Latest head count and its trend, last action, closed, flagged: from the updates."""
    counts = [sighting.people_count] + [u.people_count for u in
                                        sorted(sighting.updates, key=lambda u: u.at)
                                        if u.people_count]
    sighting.latest_count = counts[-1]
    sighting.previous_count = counts[-2] if len(counts) > 1 else None
    actions = [u for u in sorted(sighting.updates, key=lambda u: u.at) if u.action]
    sighting.last_action = actions[-1].action if actions else ""
    sighting.last_update_at = max((u.at for u in sighting.updates), default=None)
    sighting.closed = any(u.closed for u in sighting.updates)
    site = sighting.site or db.session.get(Site, sighting.site_code)
    if not sighting.flagged and needs_leader(site.level, max(counts)):
        sighting.flagged, sighting.flagged_at = True, utcnow()


def store_sighting(record: dict, *, record_id: str, device_id: str, seq: int,
                   recorded_at: datetime, content_hash: str, author: User) -> Sighting:
    """Add a new sighting (sync.service.accept() has checked its id is free)."""
    sighting = Sighting(
        id=record_id, device_id=device_id, seq=seq, content_hash=content_hash,
        reporter_id=author.id, recorded_at=recorded_at, site_code=record["site"],
        place_text=record["place_text"], latitude=record["latitude"],
        longitude=record["longitude"], accuracy=record["accuracy"],
        seen_at=datetime.fromisoformat(record["seen_at"]), people_count=record["people_count"],
        communes=record["communes"],
        watch_entry_id=int(record["watch_entry"]) if record["watch_entry"] else None,
        demands=record["demands"], banners=record["banners"], leaders=record["leaders"],
        police=record["police"], notes=record["notes"], photo_ids=record["photos"],
        latest_count=record["people_count"])
    db.session.add(sighting)
    derive_state(sighting)
    return sighting


def store_sighting_update(record: dict, *, record_id: str, device_id: str, seq: int,
                          recorded_at: datetime, content_hash: str,
                          author: User) -> SightingUpdate:
    """Add a new follow-up and re-derive its sighting's state."""
    sighting = db.session.get(Sighting, record["sighting"])
    update = SightingUpdate(
        id=record_id, device_id=device_id, seq=seq, content_hash=content_hash,
        reporter_id=author.id, recorded_at=recorded_at, sighting=sighting,
        at=datetime.fromisoformat(record["at"]), people_count=record["people_count"],
        action=record["action"], note=record["note"], photo_ids=record["photos"],
        closed=record["closed"])
    db.session.add(update)
    derive_state(sighting)
    return update


class PhotoError(ValueError):
    """A photo upload that cannot be stored; .status is the HTTP status to answer."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def store_photo(photo_id: str, body: bytes, content_type: str, claimed_sha256: str,
                uploader: User, max_bytes: int) -> str:
    """Store a photo once: "accepted", or "duplicate" for the same id and bytes again."""
    from flask_babel import gettext as _
    if content_type not in PHOTO_TYPES:
        raise PhotoError(415, "content_type", _("Only JPEG, PNG or WebP photos are accepted."))
    if len(body) > max_bytes:
        raise PhotoError(413, "size", _("The photo is too large: at most %(n)s KB.",
                                        n=max_bytes // 1024))
    if not image_signature_matches(body, content_type):
        raise PhotoError(415, "content_type", _("The file is not the image type it claims."))
    digest = hashlib.sha256(body).hexdigest()
    if claimed_sha256 and claimed_sha256.lower() != digest:
        raise PhotoError(400, "sha256", _("The photo arrived damaged (its hash differs). "
                                          "It will be sent again."))
    existing = db.session.get(Photo, photo_id)
    if existing is not None:
        if existing.sha256 == digest:
            return "duplicate"
        raise PhotoError(409, "id", _("Another photo is stored under this id."))
    db.session.add(Photo(id=photo_id, sha256=digest, content_type=content_type,
                         size=len(body), data=body, uploader_id=uploader.id))
    return "accepted"
