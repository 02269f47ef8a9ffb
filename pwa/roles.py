"""Roles and what each may do: the one table every permission check reads.

A view names the permission it needs (see security.requires); a view that names none is refused
to everyone, so a forgotten check fails closed.
"""
from flask_babel import lazy_gettext as _l

ROLES = ("leader", "deputy", "member", "desk", "viewer")

ROLE_LABELS = {
    "leader": _l("Leader"),
    "deputy": _l("Deputy leader"),
    "member": _l("Member"),
    "desk": _l("Reception officer"),
    "viewer": _l("Viewer"),
}

_RECORDERS = {"leader", "deputy", "member", "desk"}

PERMISSIONS: dict[str, set[str]] = {
    # Anyone signed in: their own session, the home page, sign-out, the language.
    "signed_in": set(ROLES),
    "overview.read": set(ROLES),
    # The register holds personal data: those who work it, not the readers of reports.
    "visit.create": _RECORDERS,
    "visit.read": _RECORDERS,
    "visit.amend": _RECORDERS,
    # Correct any visit, not only one's own (the receiving officer corrects their own).
    "visit.amend_any": {"leader", "deputy"},
    "visit.assign_handler": {"leader", "deputy"},
    # Who may be named a visit's handler.
    "visit.handle": _RECORDERS,
    # A denouncer's identity, whatever visit (others: only as receiving officer or handler).
    "identity.view_any": {"leader"},
    # Naming the handler of a sealed visit widens the circle that sees the denouncer
    # (Law on Denunciation, art. 8): the leader's decision alone.
    "visit.assign_sealed_handler": {"leader"},
    "sync.send": _RECORDERS,
    # The leader's pages: is anything missing, where are the crowds.
    "status.read": {"leader", "deputy", "viewer"},
    "board.read": {"leader", "deputy", "viewer"},
    # The board's people: reporters' and watch-listed citizens' names, links to sightings.
    # The viewer reads counts, not people.
    "board.people": {"leader", "deputy"},
    # The watch list: leaders maintain it, members read it (also offline).
    "watch.read": {"leader", "deputy", "member"},
    "watch.edit": {"leader", "deputy"},
    # Who may be assigned to follow a watch-list entry.
    "watch.assignable": {"leader", "deputy", "member"},
    # Field reports: crowd sightings and their follow-up.
    "sighting.create": {"leader", "deputy", "member"},
    # A sighting's page shows names and crowd photos: not for the viewer (see board.people).
    "sighting.read": {"leader", "deputy", "member"},
    "alerts.read": {"leader", "deputy"},
    # Accounts: creating them, roles, clearing sign-in failures.
    "users.admin": {"leader"},
    "audit.read": {"leader"},
}


def role_can(role: str | None, permission: str) -> bool:
    """Whether a role holds a permission; unknown roles and permissions hold nothing."""
    return role in PERMISSIONS.get(permission, set())


def roles_with(permission: str) -> list[str]:
    """The roles holding a permission, in the table's order (for queries over users)."""
    return [role for role in ROLES if role_can(role, permission)]


def members_who_can(permission: str):
    """A select() of the active users whose role holds a permission, by name."""
    from sqlalchemy import select

    from .models import User
    return (select(User).where(User.active, User.role.in_(roles_with(permission)))
            .order_by(User.full_name, User.username))
