"""Device facts: the values every record made on a device carries, parsed once for all areas.

Below every area (desk, field, sync, api): it imports nothing of theirs. Parsers never raise:
whatever arrives, the answer is a value or None, and the caller words the field error.
"""
import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta, timezone

from flask import current_app

# Instants a record, a device report or a query may name: outside, a typo or an attack (and
# beyond what time zones and the databases cover). The law's register starts long after 2000.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
# Real time zones lie within ±14 h of UTC; Python accepts up to ±24 h.
MAX_OFFSET = timedelta(hours=14)
# An ISO 8601 instant with microseconds and an offset is 32 characters.
MAX_INSTANT_LENGTH = 40


def parse_uuid(value) -> str | None:
    """The canonical form of a UUID string, or None."""
    if not isinstance(value, str) or len(value) > 45:
        return None
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError):
        return None


def parse_instant(value, earliest: datetime = EARLIEST,
                  latest: datetime = LATEST) -> datetime | None:
    """An ISO 8601 instant with a time zone (a trailing Z allowed) within [earliest, latest],
    in UTC; None for anything else (never raises: "0001-01-01T00:01:01+05:05" overflows
    when converted to UTC, offsets beyond ±14 h name no place on earth)."""
    if not isinstance(value, str) or len(value) > MAX_INSTANT_LENGTH:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        offset = moment.utcoffset()
        if offset is None or abs(offset) > MAX_OFFSET:
            return None
        moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError, TypeError, UnicodeError):
        return None
    return moment if earliest <= moment <= latest else None


def plain_hash(record: dict) -> str:
    """SHA-256 of a record's canonical JSON: same content, same hash."""
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def keyed_hash(plain: str, secret_key: str) -> str:
    """A plain hash keyed with a key derived from the server's SECRET_KEY (the migration
    that keyed the stored hashes uses this too)."""
    key = hmac.new(secret_key.encode(), b"tcd:content-hash", hashlib.sha256).digest()
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()


def content_hash(record: dict) -> str:
    """The stored fingerprint of a record's content, keyed with the server's secret: a copy of
    the database or a backup cannot be used to test a guess of a sealed identity offline (and
    no answer of the server depends on it for anyone but the record's author)."""
    return keyed_hash(plain_hash(record), current_app.config["SECRET_KEY"])


def find_existing(model, record_id: str):
    """The stored row of this model with this id, or None."""
    from .extensions import db
    return db.session.get(model, record_id)
