"""The one registry of record types a device sends.

Each area names its record types here once (desk/record_types.py, field/record_types.py call
register() when the area is imported): model, form, store, permission, labels, example and
the page that corrects a rejected record. The sync service, the status page's labels and
totals, the OpenAPI document and GET /api/v1/record-types all read RECORD_TYPES; nothing
else on the server names a type. The areas register themselves (rather than this module
importing them) so that sync/ stays below the areas that use it.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask_wtf import FlaskForm

from . import problems
from .protocol import formdata


@dataclass(frozen=True)
class RecordType:
    """How one kind of record is named, validated, stored, shown and corrected."""
    name: str
    model: type
    form: type[FlaskForm]
    # store(record, *, record_id, device_id, seq, recorded_at, content_hash, author) -> row:
    # adds the new row to the session (accept() has checked the id is free).
    store: Callable
    permission: str
    label: object                     # lazy text: one record ("Visit")
    label_plural: object              # lazy text: today's totals ("Visits")
    example: dict                     # a whole envelope the server accepts (OpenAPI, tests)
    correct_path: str                 # the page that corrects a rejected record (?correct=id)
    # Turns JSON data into what the form's fields expect (e.g. a list into lines).
    prepare: Callable[[dict], dict] = field(default=lambda data: data)
    # Order on the status page and in the document (areas may be imported in any order).
    position: int = 100


RECORD_TYPES: dict[str, RecordType] = {}
# Models whose rows carry (device_id, seq): together they are what the server holds.
SEQUENCED_MODELS: list[type] = []


def register(record_type: RecordType) -> RecordType:
    """Add a record type (idempotent: an area module may be imported twice in tests)."""
    RECORD_TYPES[record_type.name] = record_type
    ordered = sorted(RECORD_TYPES.values(), key=lambda t: (t.position, t.name))
    RECORD_TYPES.clear()
    RECORD_TYPES.update((t.name, t) for t in ordered)
    SEQUENCED_MODELS[:] = [t.model for t in ordered]
    return record_type


def by_model(model) -> RecordType:
    """The record type whose rows live in this model."""
    return next(t for t in RECORD_TYPES.values() if t.model is model)


def validate(record_type: RecordType, data: dict) -> tuple[dict | None, dict]:
    """(clean record, {}) or (None, {field: [problems]}), exactly as the HTML form decides.

    A field that failed for a missing dependency says so in .problem (code, params); every
    other message is an "invalid" problem carrying the form's own words."""
    form = record_type.form(formdata=formdata(record_type.prepare(data)), meta={"csrf": False})
    if form.validate():
        return form.record(), {}
    errors = {}
    for field_ in form:
        if not field_.errors:
            continue
        problem = getattr(field_, "problem", None)
        errors[field_.name] = [problems.stored(problem[0], **problem[1])] if problem else [
            problems.invalid(m) for m in field_.errors]
    if form.form_errors:
        errors["_form"] = [problems.invalid(m) for m in form.form_errors]
    return None, errors
