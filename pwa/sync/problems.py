"""The one table of problem codes: what the sync answer, the leader's status page, the device
(GET /api/v1/record-types) and the OpenAPI document say about a record the server did not
store. Codes are stable (the device and stored problems keep them); texts are translated
where they are shown, never looked up by their English wording.

A record rejected ONLY with codes in DEPENDENCIES is not its author's fault: the device sends
what is missing (photos) or waits for it (the sighting) and queues the record again.
"""
from flask_babel import lazy_gettext as _l

PROBLEMS = {
    # The record's place in its device's numbering, or its id, belongs to another record.
    "seq_taken": _l("This device's sequence number is used by another record."),
    # Content-blind on purpose: the same text whoever asks and whatever the content, so a
    # re-sent id cannot test a guess of a sealed identity (audited as record_id_taken).
    "id_taken": _l("The id is used by another record."),
    # The author re-sent their own record (same device and number) with other content.
    "content_changed": _l("This record was stored earlier with other content."),
    "type_unknown": _l("Unknown record type."),
    "type_not_permitted": _l("Your role may not send records of this type."),
    "not_author": _l("This record belongs to another user; sign in as its author."),
    # Dependencies: not the person's fault.
    "photo_missing": _l("A photo of this report has not reached the server yet."),
    "sighting_unknown": _l("This follow-up is for a sighting the server does not know."),
    # The envelope.
    "record_format": _l("A record must be a JSON object."),
    "id_format": _l("The record id must be a UUID."),
    "device_mismatch": _l("The record must carry the id of the device that sends it."),
    "seq_range": _l("The sequence number must be a whole number from 1 to 2147483647."),
    "created_at_range": _l("The creation time must be an ISO 8601 instant with a time zone, "
                           "between the years 2000 and 2100."),
    "author_format": _l("The author must be a user name."),
    "data_format": _l("The record's data must be a JSON object of fields."),
    "text_invalid": _l("Text must be valid Unicode without control characters."),
    "data_or_sealed": _l("A record carries either its data or its sealed data, not both "
                         "and not neither."),
    # Sealed on the device (pwa/sealing.py): the ciphertext does not open for this record
    # and author (damaged, or copied from another record), or its key is not on the server.
    "sealed_invalid": _l("This record cannot be opened: it is damaged or was not sealed by "
                         "you."),
    "sealed_unknown_key": _l("This record was sealed with a key the server no longer holds."),
    # The form's own message travels with this code (the same as the HTML form shows).
    "invalid": _l("The record is not valid."),
    # An unexpected error rejected this one record only (logged on the server).
    "internal": _l("The server could not store this record because of an unexpected error; "
                   "it was logged."),
}
DEPENDENCIES = {"photo_missing", "sighting_unknown"}


def stored(code: str, **params) -> dict:
    """A problem as the server keeps it (sync_problems.errors): code and parameters."""
    assert code in PROBLEMS, code
    return {"code": code, "params": params}


def invalid(message) -> dict:
    """A form's validation message as a problem (kept as the form worded it)."""
    return {"code": "invalid", "params": {}, "message": str(message)}


def text(item) -> str:
    """The text of a stored problem in the current language (old rows held plain text)."""
    if not isinstance(item, dict):
        return str(item)
    if item.get("code") == "invalid" and item.get("message"):
        return str(item["message"])
    return str(PROBLEMS.get(item.get("code"), item.get("code", "")))


def answered(item: dict) -> dict:
    """A problem as the sync answer carries it: code, params and the message."""
    return {"code": item["code"], "params": item.get("params", {}), "message": text(item)}


def table() -> dict[str, str]:
    """Every code with its text in the current language (for the device)."""
    return {code: str(message) for code, message in PROBLEMS.items()}
