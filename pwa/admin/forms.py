"""Forms for managing accounts."""
import re

from flask_babel import lazy_gettext as _l
from ..hygiene import CleanForm as FlaskForm  # every form refuses control characters
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..auth.forms import MIN_PASSWORD, not_common
from ..extensions import db
from ..models import User
from ..roles import ROLE_LABELS

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")


class NewUserForm(FlaskForm):
    username = StringField(_l("User name"), filters=[lambda v: (v or "").strip().lower()],
                           validators=[DataRequired(_l("Enter a user name.")),
                                       Regexp(USERNAME, message=_l(
                                           "3–64 characters: letters a–z, digits, dot, dash."))])
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter the full name.")), Length(max=120)])
    # No default: a leader's full rights must be a choice, never an oversight.
    role = SelectField(_l("Role"), choices=[("", _l("— choose a role —"))] + list(ROLE_LABELS.items()),
                       validators=[DataRequired(_l("Choose a role."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=MIN_PASSWORD, max=200, message=_l(
            "The password must have at least %(n)d characters.", n=MIN_PASSWORD)), not_common])

    def validate_username(self, field):
        if db.session.scalar(db.select(User).where(User.username == field.data)):
            raise ValidationError(_l("This user name is taken."))


class EditUserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter the full name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()))
    active = BooleanField(_l("Account active"))
    new_password = PasswordField(_l("New password (leave empty to keep)"), validators=[
        Optional(), Length(min=MIN_PASSWORD, max=200, message=_l(
            "The password must have at least %(n)d characters.", n=MIN_PASSWORD)), not_common])
    sign_out_everywhere = BooleanField(_l("Sign this account out on every device"))
