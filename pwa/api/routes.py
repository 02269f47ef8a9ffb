"""API views: session, sync, reference data and the OpenAPI document."""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from ..extensions import db
from ..models import Plan, Site
from ..models.audit import audit
from ..reference import shifts_in_order, units_in_order
from ..security import requires, shell_pages_for
from ..sync import problems
from ..sync.registry import RECORD_TYPES
from ..sync.service import BatchError, DeviceRefused, process_batch
from . import bp
from .openapi import document


@bp.get("/session")
@requires("signed_in")
def session_info():
    """The signed-in user and a fresh CSRF token; 401 JSON when nobody is signed in."""
    return jsonify(user={"id": current_user.id, "username": current_user.username,
                         "name": current_user.display_name, "role": current_user.role},
                   csrf_token=generate_csrf(), app_version=current_app.config["APP_VERSION"],
                   shell_pages=shell_pages_for(current_user))


@bp.post("/sync")
@requires("sync.send")
def sync():
    """Store a device's batch of records; answer per record and with the seqs held."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:        # JSON nested thousands deep: no record is like that
        body = None
    user = current_user._get_current_object()
    try:
        answer = process_batch(user, body)
    except BatchError as exc:
        return jsonify(error="bad_request", message="The sync request is malformed.",
                       errors=exc.errors), 400
    except DeviceRefused as refused:
        audit("device_secret_refused", "device", refused.args[0], user=user)
        db.session.commit()
        return jsonify(error="device_secret",
                       message=_("This device id belongs to another device.")), 403
    return jsonify(answer)


@bp.get("/reference")
@requires("signed_in")
def reference():
    """The plan, shifts, communes and sites: what the offline forms need."""
    plan = db.session.scalar(select(Plan))
    return jsonify(
        plan=plan and {"unit_name": plan.unit_name, "period_start": plan.period_start.isoformat(),
                       "period_end": plan.period_end.isoformat()},
        shifts=[{"code": s.code, "starts": s.starts.strftime("%H:%M"),
                 "ends": s.ends.strftime("%H:%M")}
                for s in shifts_in_order()],
        units=[{"code": u.code, "name": u.name_with_type} for u in units_in_order()],
        sites=[{"code": s.code, "name": s.name, "level": s.level}
               for s in db.session.scalars(select(Site).order_by(Site.code))],
        timezone=current_app.config["TIMEZONE"])


@bp.get("/record-types")
@requires("signed_in")
def record_types():
    """What the device needs to describe and correct its records, from the registry (the
    device caches it: no second hand-written list of types on the phone)."""
    return jsonify(types={name: {"label": str(t.label), "label_plural": str(t.label_plural),
                                 "correct_path": t.correct_path}
                          for name, t in RECORD_TYPES.items()},
                   problems=problems.table())


@bp.get("/openapi.json")
@requires("signed_in")
def openapi():
    """The API described in OpenAPI 3.1, with an example of every record type."""
    return jsonify(document())
