"""Sign-in with throttling, sign-out that revokes the session, password change."""
import functools
import secrets

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginAttempt, User, UserSession
from ..models.audit import audit
from .. import database
from ..security import client_address, requires, session_limits
from . import bp
from .forms import LoginForm, PasswordForm


@functools.cache
def _dummy_hash() -> str:
    """A hash to check when the user name is unknown, so that a wrong name takes as long as
    a wrong password and timing does not tell which user names exist."""
    return generate_password_hash(secrets.token_hex(16))


def _throttled(username: str, address: str) -> bool:
    return LoginAttempt.throttled(username, address, limits=current_app.config)


def _sign_in(user: User) -> None:
    """Start a fresh session: old session data is dropped, a new revocable key is made."""
    from flask import request
    next_url = session.get("next")
    session.clear()
    UserSession.delete_expired(database.utcnow(), **session_limits())
    user.open_session(client_address(), request.user_agent.string)
    session.permanent = True
    session["just_signed_in"] = True  # the next page tells the device to send at once
    login_user(user)
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        session["after_login"] = next_url


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in on valid credentials unless throttled."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        address = client_address()
        attempt = LoginAttempt.begin(username, address)
        if _throttled(username, address):
            minutes = current_app.config["LOGIN_WINDOW_SECONDS"] // 60
            form.form_errors.append(_("Too many failed sign-ins. Please wait %(n)d minutes "
                                      "and try again, or ask the leader.", n=minutes))
            audit("sign_in_throttled", "user", "", user=None, username=username)
            db.session.commit()
            status = 429
        else:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                check_password_hash(_dummy_hash(), form.password.data)
            ok = (user is not None and user.check_password(form.password.data)
                  and user.active)
            if ok:
                attempt.success = True
                _sign_in(user)
                audit("sign_in", "user", user.id, user=user)
                db.session.commit()
                return redirect(session.pop("after_login", None) or url_for("home.index"))
            audit("sign_in_failed", "user", user.id if user else "", user=None,
                  username=username)
            db.session.commit()
            form.form_errors.append(_("Wrong user name or password."))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@requires("signed_in")
def logout():
    """Sign out: the session row is deleted, so the old cookie opens nothing any more."""
    row = db.session.get(UserSession, current_user.session_key)
    audit("sign_out", "user", current_user.id)
    if row is not None:
        db.session.delete(row)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires("signed_in")
def change_password():
    """Change one's password; every other session of this user is signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.new.data)
            _sign_in(user)
            audit("password_changed", "user", user.id)
            db.session.commit()
            flash(_("Password changed. Other devices have been signed out."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)
