"""Rules for visits as facts: storing once, sealing a denouncer's identity, amending, access.

Plain functions over the session; callers commit. The sync batch and the HTML form both
store visits through sync.service.accept(), which calls store_visit().
"""
import uuid
from datetime import datetime

from ..classifications import PETITION_KINDS
from ..extensions import db
from ..models import DenouncerIdentity, User, Visit, VisitAmendment
from ..models.summary import add_to_day, visit_counts
from ..models.visits import IDENTITY_FIELDS
from ..text import fold

KIND_CODES = tuple(PETITION_KINDS)


def _columns(record: dict) -> dict:
    """Visit columns for a validated record (kinds become flags, commune its code)."""
    columns = {k: v for k, v in record.items()
               if k not in ("kinds", "commune", "consent_to_disclose", "received_on")}
    columns["received_on"] = datetime.fromisoformat(record["received_on"]).date()
    columns["commune_code"] = record["commune"] or None
    for kind in KIND_CODES:
        columns[f"kind_{kind}"] = kind in record["kinds"]
    return columns


def _refresh_search_text(visit: Visit) -> None:
    # A sealed visit's name and address are absent from the row, so search cannot reveal them.
    visit.search_text = fold(" ".join([visit.citizen_name, visit.address, visit.content,
                                       visit.request]))


def _seal(visit: Visit, consent: bool) -> None:
    """Move a denouncer's identity off the visit into its own table."""
    identity = visit.identity or DenouncerIdentity(visit_id=visit.id)
    for field in IDENTITY_FIELDS:
        setattr(identity, field, getattr(visit, field))
        setattr(visit, field, [] if field == "representatives" else "")
    identity.consent_to_disclose = consent
    visit.identity = identity
    visit.sealed = True


def store_visit(record: dict, *, record_id: str, device_id: str, seq: int,
                recorded_at: datetime, content_hash: str, author: User) -> Visit:
    """Add a new visit (sync.service.accept() has checked its id is free), sealing a
    denouncer's identity and counting it in its day's totals."""
    visit = Visit(id=record_id, device_id=device_id, seq=seq, content_hash=content_hash,
                  officer_id=author.id, recorded_at=recorded_at, **_columns(record))
    if "to_cao" in record["kinds"]:
        _seal(visit, record["consent_to_disclose"])
    _refresh_search_text(visit)
    db.session.add(visit)
    add_to_day(visit.received_on, visit_counts(visit))
    return visit


def current_record(visit: Visit, *, with_identity: bool) -> dict:
    """The visit's current state as a record (the form's data), identity only if allowed."""
    record = {
        "received_on": visit.received_on.isoformat(), "commune": visit.commune_code or "",
        "kinds": visit.kinds,
        "consent_to_disclose": bool(visit.identity and visit.identity.consent_to_disclose),
    }
    for column in ("shift", "reception_type", "source", "people_count", "subject_area",
                   "content", "request", "prior_handler", "is_repeat", "direction",
                   "forwarded_to", "guidance", "refusal_reason", "refusal_note", "documents",
                   "notes") + IDENTITY_FIELDS:
        record[column] = getattr(visit, column)
    if visit.sealed and with_identity:
        for field in IDENTITY_FIELDS:
            record[field] = getattr(visit.identity, field)
    return record


# What an amendment of a sealed visit may not show: the identity and the consent to disclose it.
SEALED_FIELDS = IDENTITY_FIELDS + ("consent_to_disclose",)


def amend_visit(visit: Visit, new: dict, *, reason: str, author: User) -> VisitAmendment | None:
    """Record a correction as an amendment and apply it; None when nothing changed.

    Sealing looks ahead: whether this amendment makes the visit a denunciation is known only
    from the merged record, so the amendment is first stored with every change, the visit is
    sealed, and then the identity values are moved out of this and every earlier amendment.
    """
    old = current_record(visit, with_identity=True)
    changed = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
    if not changed:
        return None
    amendment = VisitAmendment(id=str(uuid.uuid4()), visit=visit, author_id=author.id,
                               reason=reason, changes=changed)
    db.session.add(amendment)
    merged = {**old, **new}
    add_to_day(visit.received_on, visit_counts(visit), sign=-1)   # the day as it was…
    for column, value in _columns(merged).items():
        setattr(visit, column, value)
    if visit.sealed or "to_cao" in merged["kinds"]:
        # Once a denunciation, always sealed: un-sealing would expose what was promised secret.
        _seal(visit, merged["consent_to_disclose"])
        seal_amendments(visit)
    _refresh_search_text(visit)
    add_to_day(visit.received_on, visit_counts(visit))             # …and as it is now
    return amendment


def seal_amendments(visit: Visit) -> None:
    """Move identity values out of a sealed visit's amendments into DenouncerIdentity.history.

    The visible history keeps only that a sealed field changed ([None, None]). The same rule
    rewrites rows stored before sealing looked ahead (migration 7a1c0e5d9b42).
    """
    moved = []
    for amendment in visit.amendments:
        changes = dict(amendment.changes)
        for field in SEALED_FIELDS:
            if field in changes and changes[field] != [None, None]:
                before, after = changes[field]
                moved.append({"field": field, "from": before, "to": after,
                              "author_id": amendment.author_id, "amendment_id": amendment.id})
                changes[field] = [None, None]
        # Reassigned, not changed in place: SQLAlchemy does not see in-place JSON changes.
        amendment.changes = changes
    if moved:
        visit.identity.history = [*(visit.identity.history or []), *moved]


# --- who may do what with one visit (the role table decides the rest) ---

def may_view_identity(user: User, visit: Visit) -> bool:
    """Only the leader, the receiving officer and the assigned handler see a denouncer."""
    return user.can("identity.view_any") or user.id in (visit.officer_id, visit.handler_id)


def may_amend(user: User, visit: Visit) -> bool:
    """The receiving officer, the leader and deputies correct a visit; a sealed one only
    by those who may see the identity they would be correcting."""
    if visit.sealed and not may_view_identity(user, visit):
        return False
    return user.can("visit.amend_any") or user.id == visit.officer_id


def may_assign_handler(user: User, visit: Visit) -> bool:
    """Leaders and deputies name a handler; for a sealed visit the leader alone, since the
    handler will see the denouncer (a deputy's choice is refused, not queued: see
    assign_handler)."""
    permission = "visit.assign_sealed_handler" if visit.sealed else "visit.assign_handler"
    return user.can(permission)
