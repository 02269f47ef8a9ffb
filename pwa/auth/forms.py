"""Forms for signing in and changing a password."""
from flask_babel import lazy_gettext as _l
from ..hygiene import CleanForm as FlaskForm  # every form refuses control characters
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

MIN_PASSWORD = 10


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[
        DataRequired(_l("Enter your user name.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")),
        Length(min=MIN_PASSWORD, max=200,
               message=_l("The password must have at least %(n)d characters.",
                          n=MIN_PASSWORD))])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new", _l("The two passwords differ."))])
