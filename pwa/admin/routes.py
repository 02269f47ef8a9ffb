"""Account administration: create, change role, deactivate, reset password, revoke sessions."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditEntry, LoginAttempt, User
from ..models.audit import audit
from ..roles import ROLE_LABELS, role_can
from ..security import requires
from . import bp
from .forms import EditUserForm, NewUserForm


@bp.route("/users", methods=["GET", "POST"])
@requires("users.admin")
def users():
    """List accounts and create a new one."""
    form = NewUserForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, full_name=form.full_name.data.strip(),
                    role=form.role.data, password=form.password.data)
        db.session.add(user)
        db.session.flush()
        audit("user_created", "user", user.id, role=user.role)
        db.session.commit()
        flash(_("Account %(name)s created.", name=user.username), "success")
        return redirect(url_for("admin.users"))
    accounts = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    status = 400 if form.errors else 200
    return render_template("admin/users.html", form=form, accounts=accounts,
                           roles=ROLE_LABELS), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.admin")
def edit_user(user_id):
    """Change an account; a leader cannot lock themselves out."""
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and (not role_can(form.role.data, "users.admin")
                                           or not form.active.data):
            form.role.errors = list(form.role.errors) + [
                _("You cannot remove your own leader role or deactivate yourself.")]
        else:
            changes = {k: getattr(form, k).data for k in ("full_name", "role", "active")
                       if getattr(user, k) != getattr(form, k).data}
            user.full_name = form.full_name.data.strip()
            user.role, user.active = form.role.data, form.active.data
            if form.new_password.data:
                user.set_password(form.new_password.data)  # also revokes all sessions
                changes["password"] = "reset"
            elif form.sign_out_everywhere.data or not user.active:
                user.sessions.clear()
                changes["sessions"] = "revoked"
            audit("user_changed", "user", user.id, **changes)
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if form.errors else 200
    failures = db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == user.username, ~LoginAttempt.success))
    return render_template("admin/edit_user.html", form=form, account=user,
                           failures=failures), status


@bp.post("/users/<int:user_id>/failures")
@requires("users.admin")
def clear_failures(user_id):
    """Unlock an account: its failed sign-ins no longer count (a stranger's guesses must not
    keep a member, or the leader, out for good)."""
    user = db.session.get(User, user_id) or abort(404)
    cleared = LoginAttempt.clear_failures(user.username)
    audit("sign_in_failures_cleared", "user", user.id, cleared=cleared)
    db.session.commit()
    flash(_("Failed sign-ins of %(name)s cleared.", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.get("/audit")
@requires("audit.read")
def audit_log():
    """The newest audit entries."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                 .limit(500)).all()
    return render_template("admin/audit.html", entries=entries)


@bp.get("/sealed-handlers")
@requires("identity.view_any")
def sealed_handlers():
    """Handler changes on sealed visits, and refused attempts: each widens (or tried to
    widen) the circle that sees a denouncer, so the leader reviews them here."""
    entries = [e for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(
            ("handler_assigned", "handler_assignment_refused")))
        .order_by(AuditEntry.id.desc()).limit(2000))
        if (e.detail or {}).get("sealed")][:500]
    ids = {e.user_id for e in entries} | {
        (e.detail or {}).get(k) for e in entries for k in ("handler_id", "previous_handler_id")}
    names = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_([i for i in ids if i])))}
    return render_template("admin/sealed_handlers.html", entries=entries, names=names)
