"""Forms for sightings, their follow-up and the watch list; the sync API validates with the
same classes."""
from flask_babel import lazy_gettext as _l
from ..hygiene import CleanForm as FlaskForm  # every form refuses control characters
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from .. import classifications as C
from ..extensions import db
from .. import rules
from ..fields import CheckboxesField, LocalDateTimeField, PhotoListField
from ..models import Sighting, Site, WatchEntry
from ..reference import sites_in_order, units_in_order
from ..roles import members_who_can
from .rules import SIGHTING_RULES


class SightingForm(FlaskForm):
    """A crowd sighting, phone first."""

    site = SelectField(_l("Where"), validators=[InputRequired(_l("Choose the place."))])
    place_text = StringField(_l("Other place, in words"), validators=[Length(max=300)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(
        min=-90, max=90, message=_l("The latitude must lie between -90 and 90."))])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(
        min=-180, max=180, message=_l("The longitude must lie between -180 and 180."))])
    accuracy = FloatField(_l("Accuracy (m)"), validators=[Optional(), NumberRange(
        min=0, max=100000, message=_l("The accuracy must be a distance in metres."))])
    seen_at = LocalDateTimeField(_l("Seen at (dd/mm/yyyy HH:MM)"), validators=[
        InputRequired(_l("Enter when the crowd was seen."))],
        render_kw={"placeholder": "dd/mm/yyyy HH:MM", "inputmode": "numeric"})
    people_count = IntegerField(_l("Estimated number of people"), validators=[
        InputRequired(_l("Enter the estimated number of people.")),
        NumberRange(min=1, max=100000, message=_l("The number of people must be at least 1."))],
        render_kw={"inputmode": "numeric"})
    communes = CheckboxesField(_l("Communes they come from"), validators=[Optional()])
    watch_entry = SelectField(_l("Watch-list entry it matches"), validators=[Optional()])
    demands = TextAreaField(_l("What they demand"), validators=[Length(max=2000)])
    banners = TextAreaField(_l("Banners or slogans"), validators=[Length(max=2000)])
    leaders = TextAreaField(_l("Who leads them"), validators=[Length(max=1000)])
    police = SelectField(_l("Police"), choices=list(C.POLICE.items()), default="unknown")
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    photos = PhotoListField(_l("Photos"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [("", "—")] + [(s.code, s.name) for s in sites_in_order()]
        self.communes.choices = [(u.code, u.name_with_type) for u in units_in_order()]
        self.watch_entry.choices = [("", _l("— none —"))] + [
            (str(e.id), e.name) for e in db.session.scalars(db.select(WatchEntry))]

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the sighting rules (field/rules.py, served to the device too)
        on fields that passed their own checks."""
        ok = super().validate(extra_validators)
        site = db.session.get(Site, self.site.data) if self.site.data else None
        values = {name: self[name].data for name in ("people_count", "place_text", "latitude",
                                                     "longitude")}
        values["site_level"] = site.level if site is not None else ""
        for name, message in rules.check(SIGHTING_RULES, values).items():
            if not self[name].errors:
                self[name].errors = list(self[name].errors) + [message]
                ok = False
        return ok

    def record(self) -> dict:
        return {
            "site": self.site.data, "place_text": (self.place_text.data or "").strip(),
            "latitude": self.latitude.data, "longitude": self.longitude.data,
            "accuracy": self.accuracy.data,
            "seen_at": self.seen_at.instant.isoformat(),
            "people_count": self.people_count.data,
            "communes": [c for c, _ in self.communes.choices if c in (self.communes.data or [])],
            "watch_entry": self.watch_entry.data or "",
            "demands": (self.demands.data or "").strip(),
            "banners": (self.banners.data or "").strip(),
            "leaders": (self.leaders.data or "").strip(),
            "police": self.police.data, "notes": (self.notes.data or "").strip(),
            "photos": list(self.photos.data or []),
        }


class SightingUpdateForm(FlaskForm):
    """A later fact about a sighting."""

    sighting = StringField(_l("Sighting"), validators=[InputRequired(_l("Which sighting?"))])
    at = LocalDateTimeField(_l("Time (dd/mm/yyyy HH:MM)"), validators=[
        InputRequired(_l("Enter the time."))],
        render_kw={"placeholder": "dd/mm/yyyy HH:MM", "inputmode": "numeric"})
    people_count = IntegerField(_l("New head count"), validators=[Optional(), NumberRange(
        min=1, max=100000, message=_l("The number of people must be at least 1."))],
        render_kw={"inputmode": "numeric"})
    action = SelectField(_l("Action taken"), choices=list(C.ACTIONS.items()),
                         validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    photos = PhotoListField(_l("Photos"), choices=[], validate_choice=False)
    closed = BooleanField(_l("Closed: the crowd has gone"))

    def validate_sighting(self, field):
        # The sighting may have arrived earlier in the same batch: the session sees it.
        if db.session.get(Sighting, (field.data or "").strip()) is None:
            field.problem = ("sighting_unknown", {})   # a dependency (sync/problems.py)
            raise ValidationError(_l("This follow-up is for a sighting the server does not know."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.people_count.data or self.action.data or (self.note.data or "").strip()
                       or self.closed.data or self.photos.data):
            self.form_errors.append(_l("Give a head count, an action, a note, a photo or close "
                                       "the sighting."))
            ok = False
        return ok

    def record(self) -> dict:
        return {"sighting": self.sighting.data.strip(), "at": self.at.instant.isoformat(),
                "people_count": self.people_count.data, "action": self.action.data or "",
                "note": (self.note.data or "").strip(), "photos": list(self.photos.data or []),
                "closed": bool(self.closed.data)}


class WatchEntryForm(FlaskForm):
    """A watch-list entry, kept by the leader and deputies."""

    kind = SelectField(_l("Kind"), choices=list(C.WATCH_KINDS.items()))
    name = StringField(_l("Name of the group or citizen"), validators=[
        InputRequired(_l("Enter a name.")), Length(max=200)])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    usual_size = IntegerField(_l("Usual size (people)"), validators=[Optional(), NumberRange(
        min=1, max=100000, message=_l("The number of people must be at least 1."))])
    representatives = TextAreaField(_l("Representatives"), validators=[Length(max=1000)])
    demands = TextAreaField(_l("What they want"), validators=[Length(max=2000)])
    case_ref = TextAreaField(_l("The case it concerns"), validators=[Length(max=1000)])
    risk = SelectField(_l("Risk level"), choices=list(C.RISKS.items()), default="medium")
    assigned = SelectField(_l("Assigned member"), coerce=int, validators=[Optional()])
    next_dialogue = DateField(_l("Next planned dialogue (dd/mm/yyyy)"),
                              format=["%d/%m/%Y", "%Y-%m-%d"], validators=[Optional()],
                              render_kw={"type": "text", "placeholder": "dd/mm/yyyy"})
    status = SelectField(_l("Status"), choices=list(C.WATCH_STATUSES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune.choices = [("", "—")] + [(u.code, u.name_with_type)
                                             for u in units_in_order()]
        self.assigned.choices = [(0, "—")] + [
            (u.id, u.display_name)
            for u in db.session.scalars(members_who_can("watch.assignable"))]
