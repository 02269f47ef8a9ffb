"""The visit form: one source of validation for the HTML form and for synced JSON records."""
import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import classifications as C
from ..clock import local_now
from ..fields import CheckboxesField
from ..reference import shifts_in_order, units_in_order


def field_labels() -> dict:
    """Field name → label, to show amendments in words."""
    return {f.name: str(f.label.text) for f in AmendmentForm(formdata=None, meta={"csrf": False})}


CCCD = re.compile(r"^\d{12}$")        # căn cước công dân: 12 digits
CMND = re.compile(r"^\d{9}$")         # chứng minh nhân dân (old): 9 digits
PASSPORT = re.compile(r"^[A-Z][0-9]{7}$|^(?=.*[A-Z])[A-Z0-9]{6,9}$")
PHONE = re.compile(r"^(\+84|0)\d{8,10}$")
MAX_REPRESENTATIVES = C.MAX_REPRESENTATIVES


def normalise_id_number(value: str | None) -> str:
    """Upper-case, without spaces, dots or dashes people type into ID numbers."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def id_number_error(value: str) -> str | None:
    """Why an ID number is not a CCCD, CMND or passport number, or None if it is one."""
    if value.isdigit():
        if CCCD.match(value) or CMND.match(value):
            return None
        return _l("A CCCD number has 12 digits and an old CMND number 9; this one has %(n)d.",
                  n=len(value))
    if PASSPORT.match(value):
        return None
    return _l("Not a valid ID number: enter a 12-digit CCCD, a 9-digit CMND or a passport "
              "number.")


def representatives_error(people: int, names: list[str]) -> str | None:
    """The law's rule for a group's representatives, or None when it holds."""
    if people < C.GROUP_THRESHOLD:
        return None
    if not names:
        return _l("A group of 5 or more people must name its representatives.")
    if people <= 10 and len(names) > 2:
        return _l("A group of 5 to 10 people sends 1 or 2 representatives.")
    if len(names) > MAX_REPRESENTATIVES:
        return _l("A group sends at most 5 representatives.")
    return None


class VisitForm(FlaskForm):
    """Everything the desk records about one visit (Mẫu số 03 plus practice)."""

    # A text box, not type=date: the browser's date widget would follow the browser's locale
    # (mm/dd/yyyy on an English tablet), and officials write dd/mm/yyyy.
    received_on = DateField(_l("Date received"), format=["%d/%m/%Y", "%Y-%m-%d"],
                            validators=[InputRequired(_l("Enter the date as dd/mm/yyyy."))],
                            render_kw={"type": "text", "placeholder": "dd/mm/yyyy",
                                       "inputmode": "numeric", "autocomplete": "off",
                                       "pattern": r"\d{1,2}/\d{1,2}/\d{4}"})
    shift = SelectField(_l("Shift"), validators=[InputRequired(_l("Choose the shift."))])
    reception_type = SelectField(_l("Reception type"), choices=list(C.RECEPTION_TYPES.items()),
                                 default="regular")
    source = SelectField(_l("Source"), choices=list(C.SOURCES.items()), default="in_person")
    citizen_name = StringField(_l("Citizen's full name"), validators=[
        DataRequired(_l("Enter the citizen's full name.")), Length(max=120)])
    id_number = StringField(_l("ID number (CCCD / CMND / passport)"),
                            filters=[normalise_id_number], validators=[Length(max=20)])
    address = StringField(_l("Address"), validators=[
        DataRequired(_l("Enter the citizen's address.")), Length(max=300)])
    commune = SelectField(_l("Commune where the matter arose"), validators=[Optional()])
    phone = StringField(_l("Phone"), filters=[lambda v: re.sub(r"[\s.\-]", "", v or "")],
                        validators=[Length(max=20)])
    people_count = IntegerField(_l("Number of people"), default=1, validators=[
        InputRequired(_l("Enter the number of people.")),
        NumberRange(min=1, max=10000, message=_l("The number of people must be at least 1."))])
    representatives = TextAreaField(_l("Representatives (one name per line)"),
                                    validators=[Length(max=1000)])
    kinds = CheckboxesField(_l("Petition kinds"), choices=list(C.PETITION_KINDS.items()))
    subject_area = SelectField(_l("Subject area"), choices=list(C.SUBJECT_AREAS.items()))
    content = TextAreaField(_l("Content of the case"), validators=[
        DataRequired(_l("Describe the content of the case.")), Length(max=5000)])
    request = TextAreaField(_l("What the citizen asks for"), validators=[Length(max=3000)])
    prior_handler = StringField(_l("Body that already handled it"), validators=[Length(max=300)])
    is_repeat = BooleanField(_l("Repeat case (vụ việc cũ)"))
    direction = SelectField(_l("Handling direction"), choices=list(C.DIRECTIONS.items()))
    forwarded_to = StringField(_l("Forwarded to / reminded body"), validators=[Length(max=300)])
    guidance = TextAreaField(_l("Guidance given"), validators=[Length(max=2000)])
    refusal_reason = SelectField(_l("Reason for refusing"),
                                 choices=[("", "—")] + list(C.REFUSAL_REASONS.items()),
                                 validators=[Optional()])
    refusal_note = TextAreaField(_l("Refusal notice or legal basis"),
                                 validators=[Length(max=2000)])
    documents = TextAreaField(_l("Documents received"), validators=[Length(max=2000)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    consent_to_disclose = BooleanField(_l("The denouncer consents to disclosure of identity"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shift.choices = [(s.code, C.SHIFT_LABELS.get(s.code, s.code))
                              for s in shifts_in_order()]
        self.shift.choices.append(("outside", C.SHIFT_LABELS["outside"]))
        self.commune.choices = [("", _l("— outside the unit / unknown —"))] + [
            (u.code, u.name_with_type) for u in units_in_order()]

    @property
    def representative_names(self) -> list[str]:
        return [n.strip() for n in (self.representatives.data or "").splitlines() if n.strip()]

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the rules that tie fields together."""
        ok = super().validate(extra_validators)
        return self._cross_field_rules() and ok

    def _cross_field_rules(self) -> bool:
        errors: dict = {}
        kinds = set(self.kinds.data or [])
        received = self.received_on.data
        if received and not (date(2000, 1, 1) <= received <= local_now().date() + timedelta(days=1)):
            errors[self.received_on] = _l("The date received cannot be in the future.") if (
                received.year >= 2000) else _l("Enter the date as dd/mm/yyyy.")
        if not kinds:
            errors[self.kinds] = _l("Choose at least one petition kind.")
        if self.id_number.data:
            if (message := id_number_error(self.id_number.data)):
                errors[self.id_number] = message
        elif self.source.data == "in_person":
            errors[self.id_number] = _l("A citizen received in person shows an ID: enter its "
                                        "number.")
        if self.phone.data and not PHONE.match(self.phone.data):
            errors[self.phone] = _l("Enter a Vietnamese phone number, e.g. 0912345678.")
        if self.people_count.data and (
                message := representatives_error(self.people_count.data,
                                                 self.representative_names)):
            errors[self.representatives] = message
        if self.subject_area.data in C.DENUNCIATION_ONLY_AREAS and "to_cao" not in kinds:
            errors[self.subject_area] = _l("This subject area applies to denunciations only.")
        direction = self.direction.data
        if direction in C.DIRECTIONS_NEEDING_BODY and not (self.forwarded_to.data or "").strip():
            errors[self.forwarded_to] = _l("Name the body the matter goes to.")
        if direction == "huong_dan" and not (self.guidance.data or "").strip():
            errors[self.guidance] = _l("Write the guidance given to the citizen.")
        if direction == "tu_choi":
            if not self.refusal_reason.data:
                errors[self.refusal_reason] = _l("Reception may be refused only for a reason "
                                                 "the law lists: choose it.")
            elif (self.refusal_reason.data in C.REFUSAL_REASONS_NEEDING_NOTE
                  and not (self.refusal_note.data or "").strip()):
                errors[self.refusal_note] = _l("Give the written notice or the legal basis.")
        elif self.refusal_reason.data:
            errors[self.refusal_reason] = _l("A refusal reason applies only when reception is "
                                             "refused.")
        for field, message in errors.items():
            field.errors = list(field.errors) + [message]
        return not errors

    def record(self) -> dict:
        """The validated visit as plain data, the same for HTML and JSON submissions."""
        return {
            "received_on": self.received_on.data.isoformat(),
            "shift": self.shift.data,
            "reception_type": self.reception_type.data,
            "source": self.source.data,
            "citizen_name": self.citizen_name.data.strip(),
            "id_number": self.id_number.data or "",
            "address": self.address.data.strip(),
            "commune": self.commune.data or "",
            "phone": self.phone.data or "",
            "people_count": self.people_count.data,
            "representatives": self.representative_names,
            "kinds": [k for k in C.PETITION_KINDS if k in (self.kinds.data or [])],
            "subject_area": self.subject_area.data,
            "content": self.content.data.strip(),
            "request": (self.request.data or "").strip(),
            "prior_handler": (self.prior_handler.data or "").strip(),
            "is_repeat": bool(self.is_repeat.data),
            "direction": self.direction.data,
            "forwarded_to": (self.forwarded_to.data or "").strip(),
            "guidance": (self.guidance.data or "").strip(),
            "refusal_reason": self.refusal_reason.data or "",
            "refusal_note": (self.refusal_note.data or "").strip(),
            "documents": (self.documents.data or "").strip(),
            "notes": (self.notes.data or "").strip(),
            "consent_to_disclose": bool(self.consent_to_disclose.data),
        }


class AmendmentForm(VisitForm):
    """A correction: the visit's fields again, plus why they change."""
    reason = TextAreaField(_l("Reason for the correction"), validators=[
        DataRequired(_l("Say why the visit is corrected.")), Length(max=2000)])


class HandlerForm(FlaskForm):
    """The leader assigns who handles a visit's matter."""
    handler = SelectField(_l("Assigned handler"), coerce=int)
