"""The append-only audit log: sign-ins, changes, exports and views of sealed identities."""
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """One thing that happened, by whom, from where. Never updated, never deleted."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target):
    """The log is evidence: the ORM refuses to rewrite it."""
    raise PermissionError("the audit log is append-only")


def audit(action: str, object_type: str = "", object_id: str = "", user=None, **detail) -> None:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    address = (request.remote_addr or "") if has_request_context() else ""
    db.session.add(AuditEntry(user_id=user.id if user else None, action=action,
                              object_type=object_type, object_id=str(object_id),
                              address=address, detail=detail))
