"""The server's public key for devices, the author's own plaintext back, and key rotation."""
import re
import uuid
from datetime import timedelta

import click
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from . import sealing
from .database import utcnow
from .extensions import db
from .models.audit import AuditEntry, audit
from .security import error_response, requires

# cli_group=None: `flask rotate-keys`, beside init-db, not `flask sealing rotate-keys`.
bp = Blueprint("sealing", __name__, url_prefix="/api/v1", cli_group=None)

TYPE_RE = re.compile(r"^[a-z_]{1,40}$")
UNSEAL_ACTIONS = ("record_unsealed", "unseal_refused", "unseal_failed")


def _canonical_uuid(value) -> str | None:
    try:
        return value if isinstance(value, str) and str(uuid.UUID(value)) == value else None
    except ValueError:
        return None


def _too_many_unseals(user) -> bool:
    """Correcting is done by hand, one record at a time: a burst is a script reading a
    device's records back. Counted from the audit log, so every worker sees the same count."""
    window = current_app.config.get("UNSEAL_WINDOW_SECONDS", 3600)
    limit = current_app.config.get("UNSEAL_LIMIT", 120)
    since = utcnow() - timedelta(seconds=window)
    count = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.user_id == user.id, AuditEntry.action.in_(UNSEAL_ACTIONS),
        AuditEntry.at >= since))
    return count >= limit


@bp.get("/keys")
@requires("signed_in")
def keys():
    """The public key devices seal records and photos with (made on first use)."""
    jwk = sealing.public_jwk()
    return jsonify(kid=jwk["kid"], jwk=jwk, alg=sealing.ALG)


@bp.post("/unseal")
@requires("sync.send")
def unseal():
    """A rejected record's data for its author to correct: the device keeps only ciphertext."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    record_type, author = body.get("type"), body.get("author")
    record_id = _canonical_uuid(body.get("id"))
    errors = {}
    if not isinstance(record_type, str) or not TYPE_RE.match(record_type):
        errors["type"] = [_("Unknown record type.")]
    if record_id is None:
        errors["id"] = [_("The record id must be a UUID.")]
    if not isinstance(author, str) or not author:
        errors["author"] = [_("The author is missing.")]
    if not isinstance(body.get("sealed"), dict):
        errors["sealed"] = [_("The sealed data is missing.")]
    if errors:
        return jsonify(error="bad_request", message=_("The request is malformed."),
                       errors=errors), 400
    user = current_user._get_current_object()
    if _too_many_unseals(user):
        audit("unseal_throttled", record_type, record_id)
        db.session.commit()
        return error_response(429)
    if author != user.username:
        audit("unseal_refused", record_type, record_id, reason="not_author")
        db.session.commit()
        return error_response(403, _("Only the author of a record may read it back."),
                              error="not_author")
    data, code = sealing.open_record(body["sealed"], record_type=record_type,
                                     record_id=record_id, author=user.username)
    if code:
        audit("unseal_failed", record_type, record_id, code=code)
        db.session.commit()
        message = (_("This record was sealed with a key the server no longer holds.")
                   if code == sealing.SEALED_UNKNOWN_KEY else
                   _("This record cannot be opened: it is damaged or was not sealed by you."))
        return jsonify(error=code, message=message, errors={"sealed": [message]}), 400
    audit("record_unsealed", record_type, record_id, kid=body["sealed"]["kid"])
    db.session.commit()
    return jsonify(data=data)


@bp.cli.command("rotate-keys")
def rotate_keys():
    """Make a new sealing key pair; older private keys are kept to open older records."""
    kid = sealing.rotate_keys()
    click.echo(f"New sealing key {kid}; kept: {', '.join(sealing.known_kids())}")
