"""WTForms fields shared by the forms of every area (desk, field, watch)."""
import uuid
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import ValidationError

from . import classifications as C
from .clock import local_zone
from .database import utcnow
from .extensions import db
from .models import Photo

# Text, not datetime-local: officials read and write dd/mm/yyyy HH:MM on every phone.
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M"]
CLOCK_TOLERANCE = timedelta(minutes=10)   # a phone's clock may run a little fast
# Years a typed date may name: outside, a typo (and beyond what time zones cover).
YEARS = range(2000, 2101)


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LocalDateTimeField(StringField):
    """A local date and time typed as dd/mm/yyyy HH:MM; .instant is the aware UTC value."""

    instant = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.instant = None
        text = (self.data or "").strip()
        if len(text) > 40:
            return
        for fmt in DATETIME_FORMATS:
            try:
                naive = datetime.strptime(text, fmt)
            except (ValueError, UnicodeError):
                continue
            if naive.year in YEARS:
                self.instant = naive.replace(tzinfo=local_zone())
            break

    def pre_validate(self, form):
        if not (self.data or "").strip():
            return
        if self.instant is None:
            raise ValidationError(_l("Enter the time as dd/mm/yyyy HH:MM."))
        if self.instant > utcnow() + CLOCK_TOLERANCE:
            raise ValidationError(_l("The time cannot be in the future."))


class PhotoListField(SelectMultipleField):
    """Ids of photos uploaded before the record: at most MAX_PHOTOS, each known."""

    problem = None

    def pre_validate(self, form):
        ids = self.data or []
        if len(ids) > C.MAX_PHOTOS:
            raise ValidationError(_l("At most %(n)d photos per report.", n=C.MAX_PHOTOS))
        for value in ids:
            try:
                uuid.UUID(value)
            except ValueError:
                raise ValidationError(_l("A photo id is not valid.")) from None
        missing = self.missing_photos()
        if missing:
            # A dependency, not a mistake: the device uploads the photos and sends again.
            self.problem = ("photo_missing", {"ids": missing})
            raise ValidationError(_l("A photo of this report has not reached the server yet."))

    def missing_photos(self) -> list[str]:
        """The listed photos the server does not hold (yet)."""
        return [value for value in self.data or [] if db.session.get(Photo, value) is None]
