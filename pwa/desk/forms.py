"""The visit form: one source of validation for the HTML form and for synced JSON records."""
import re

from flask_babel import lazy_gettext as _l
from ..hygiene import CleanForm as FlaskForm  # every form refuses control characters
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import classifications as C
from .. import rules
from ..fields import CheckboxesField
from ..reference import shifts_in_order, units_in_order
from .rules import VISIT_RULES


def field_labels() -> dict:
    """Field name → label, to show amendments in words."""
    return {f.name: str(f.label.text) for f in AmendmentForm(formdata=None, meta={"csrf": False})}


# The ID, phone and group rules are data in desk/rules.py (the device checks them too).
MAX_REPRESENTATIVES = C.MAX_REPRESENTATIVES


def normalise_id_number(value: str | None) -> str:
    """Upper-case, without spaces, dots or dashes people type into ID numbers."""
    return re.sub(r"[\s.\-]", "", value or "").upper()




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

    def rule_values(self) -> dict:
        """The values the register's rules (desk/rules.py) read, as the device collects them."""
        names = ("received_on", "kinds", "id_number", "source", "phone", "people_count",
                 "subject_area", "direction", "forwarded_to", "guidance", "refusal_reason",
                 "refusal_note")
        values = {name: self[name].data for name in names}
        values["representatives"] = self.representative_names
        return values

    def _cross_field_rules(self) -> bool:
        """The rules that tie fields together: one table, served to the device as well."""
        errors = rules.check(VISIT_RULES, self.rule_values())
        for name, message in errors.items():
            self[name].errors = list(self[name].errors) + [message]
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
