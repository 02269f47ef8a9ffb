"""The record types devices send, each validated by the form class of its HTML form."""
from dataclasses import dataclass
from typing import Callable

from flask_wtf import FlaskForm

from ..desk import records as visit_records
from ..desk.forms import VisitForm
from ..field import records as field_records
from ..field.forms import SightingForm, SightingUpdateForm
from .protocol import formdata


@dataclass(frozen=True)
class RecordType:
    """How one kind of record is validated and stored."""
    name: str
    form: type[FlaskForm]
    # store(record, *, record_id, device_id, seq, recorded_at, officer) -> (status, obj)
    store: Callable
    # Turns JSON data into what the form's fields expect (e.g. a list into lines).
    prepare: Callable[[dict], dict] = lambda data: data
    permission: str = "sync.send"


def _prepare_visit(data: dict) -> dict:
    data = dict(data)
    if isinstance(data.get("representatives"), list):
        data["representatives"] = "\n".join(str(n) for n in data["representatives"])
    return data


RECORD_TYPES: dict[str, RecordType] = {
    "visit": RecordType("visit", VisitForm, visit_records.store_visit, _prepare_visit,
                        permission="visit.create"),
    "sighting": RecordType("sighting", SightingForm, field_records.store_sighting,
                           permission="sighting.create"),
    "sighting_update": RecordType("sighting_update", SightingUpdateForm,
                                  field_records.store_sighting_update,
                                  permission="sighting.create"),
}


def validate(record_type: RecordType, data: dict) -> tuple[dict | None, dict]:
    """(clean record, {}) or (None, {field: [messages]}), exactly as the HTML form decides."""
    form = record_type.form(formdata=formdata(record_type.prepare(data)), meta={"csrf": False})
    if form.validate():
        return form.record(), {}
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    if form.form_errors:
        errors["_form"] = [str(m) for m in form.form_errors]
    return None, errors
