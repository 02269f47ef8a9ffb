"""Pure rules of the sync protocol, testable without HTTP or a database."""
import re

from werkzeug.datastructures import MultiDict

from ..facts import parse_instant, parse_uuid  # noqa: F401 (part of the protocol)

MAX_BATCH = 200          # records per request: bounds one transaction's size and time
MAX_SEQ = 2**31 - 1      # sequence numbers fit a 32-bit integer column on every database
MAX_LABEL = 100          # a device's label
MAX_APP_VERSION = 40     # the app version a device reports
MAX_OUTBOX_DEPTH = 10**7
# The device's secret (interfaces: 32 random bytes as hex), sent with every batch.
SECRET = re.compile(r"[0-9a-fA-F]{64}")
STATUSES = ("accepted", "duplicate", "conflict", "rejected")
# Only these two tell the device the server holds the record: it may stop re-sending it.
HELD_STATUSES = {"accepted", "duplicate"}


def parse_device(raw) -> tuple[dict | None, dict]:
    """The device report of a sync request: (report, errors)."""
    if not isinstance(raw, dict):
        return None, {"device": "must be an object"}
    errors = {}
    device_id = parse_uuid(raw.get("id"))
    if device_id is None:
        errors["id"] = "must be a UUID"
    label = raw.get("label", "")
    if not isinstance(label, str) or len(label) > MAX_LABEL:
        errors["label"] = "must be text of at most 100 characters"
    version = raw.get("app_version", "")
    if not isinstance(version, str) or len(version) > MAX_APP_VERSION:
        errors["app_version"] = "must be text of at most 40 characters"
    clock = parse_instant(raw.get("clock"))
    if raw.get("clock") is not None and clock is None:
        errors["clock"] = "must be an ISO 8601 instant with a time zone"
    depth = raw.get("outbox_depth", 0)
    if not isinstance(depth, int) or isinstance(depth, bool) or not 0 <= depth <= MAX_OUTBOX_DEPTH:
        errors["outbox_depth"] = "must be a whole number from 0"
    secret = raw.get("secret")
    if secret is not None and not (isinstance(secret, str) and SECRET.fullmatch(secret)):
        errors["secret"] = "must be 64 hexadecimal characters"
    oldest = parse_instant(raw.get("oldest_pending"))
    if raw.get("oldest_pending") is not None and oldest is None:
        errors["oldest_pending"] = "must be an ISO 8601 instant or null"
    if errors:
        return None, errors
    if not is_clean_text(label) or not is_clean_text(version):
        errors["label"] = "must be valid text without control characters"
        return None, errors
    return {"id": device_id, "label": label.strip(), "app_version": version, "clock": clock,
            "outbox_depth": depth, "oldest_pending": oldest,
            "secret": secret.lower() if secret else None}, {}


def parse_envelope(raw, device_id: str, known_types) -> tuple[dict | None, dict]:
    """A record's envelope (type, id, device_id, seq, created_at, author, data), or None
    with {field: problem code} (see problems.py); never raises, whatever the JSON."""
    if not isinstance(raw, dict):
        return None, {"record": "record_format"}
    errors = {}
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in known_types:
        errors["type"] = "type_unknown"
    record_id = parse_uuid(raw.get("id"))
    if record_id is None:
        errors["id"] = "id_format"
    if parse_uuid(raw.get("device_id")) != device_id:
        errors["device_id"] = "device_mismatch"
    seq = raw.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        errors["seq"] = "seq_range"
    created_at = parse_instant(raw.get("created_at"))
    if created_at is None:
        errors["created_at"] = "created_at_range"
    author = raw.get("author", "")
    if not isinstance(author, str) or len(author) > 64 or not is_clean_text(author):
        errors["author"] = "author_format"
    # Exactly one of the two: the data itself, or the data sealed on the device (opened by
    # the service after the author check; its text is checked once opened).
    has_data, has_sealed = raw.get("data") is not None, raw.get("sealed") is not None
    if has_data == has_sealed:
        errors["data"] = "data_or_sealed"
    elif has_sealed:
        if not isinstance(raw["sealed"], dict):
            errors["sealed"] = "sealed_invalid"
    elif not isinstance(raw["data"], dict):
        errors["data"] = "data_format"
    else:
        errors.update(text_errors(raw["data"]))
    if errors:
        return None, errors
    return {"type": kind, "id": record_id, "device_id": device_id, "seq": seq,
            "created_at": created_at, "author": author, "data": raw.get("data"),
            "sealed": raw.get("sealed")}, {}


def text_errors(data: dict) -> dict:
    """{field: "text_invalid"} for each field of record data holding bad text, beside the
    field where the person can correct it (a bad key has no field: "data")."""
    if is_clean_text(data):
        return {}
    keys_ok = all(isinstance(k, str) and is_clean_text(k) for k in data)
    fields = [k for k, v in data.items() if keys_ok and not is_clean_text(v, 1)]
    return {name[:64]: "text_invalid" for name in fields or ["data"]}


# Control characters a person never types (tab and line breaks are text).
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
MAX_DEPTH = 8   # record data is flat (lists of strings at most): deeper is not a record


def is_clean_text(value, depth: int = 0) -> bool:
    """Every string in a JSON value is valid UTF-8 (no lone surrogates) without control
    characters, and the value is not nested deeper than a record can be."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return not any(c in _CONTROL for c in value)
    if isinstance(value, dict):
        return all(is_clean_text(k, depth + 1) and is_clean_text(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list):
        return all(is_clean_text(v, depth + 1) for v in value)
    return True


def formdata(data: dict) -> MultiDict:
    """JSON record data as the form data the HTML form would post.

    Lists become repeated keys (checkboxes), true becomes "y" and false is left out
    (an unticked checkbox), lists of names for a textarea are joined by line.
    """
    pairs = []
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        if isinstance(value, bool):
            if value:
                pairs.append((key, "y"))
        elif isinstance(value, list):
            pairs.extend((key, str(v)) for v in value if isinstance(v, (str, int, float)))
        elif isinstance(value, (str, int, float)):
            pairs.append((key, str(value)))
    return MultiDict(pairs)


def seq_ranges(seqs) -> list[list[int]]:
    """Sorted sequence numbers as inclusive ranges: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    ranges: list[list[int]] = []
    for seq in sorted(set(seqs)):
        if ranges and seq == ranges[-1][1] + 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return ranges


def in_ranges(seq: int, ranges) -> bool:
    """Whether a sequence number lies in inclusive ranges."""
    return any(low <= seq <= high for low, high in ranges)


def backoff_seconds(failures: int, jitter: float) -> float:
    """Delay before the next try: 1 s doubling to a 5-minute cap, times a jitter in [0.5, 1.5).

    The same rule is in static/js/sync.js; the jitter spreads devices that fail together.
    """
    return min(300.0, 2.0 ** max(failures - 1, 0)) * (0.5 + jitter)
