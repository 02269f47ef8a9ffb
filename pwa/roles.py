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
    "visit.assign_handler": {"leader", "deputy"},
    "sync.send": _RECORDERS,
    # The leader's pages: is anything missing, where are the crowds.
    "status.read": {"leader", "deputy", "viewer"},
    "board.read": {"leader", "deputy", "viewer"},
    # The watch list: leaders maintain it, members read it (also offline).
    "watch.read": {"leader", "deputy", "member"},
    "watch.edit": {"leader", "deputy"},
    # Field reports: crowd sightings and their follow-up.
    "sighting.create": {"leader", "deputy", "member"},
    "sighting.read": {"leader", "deputy", "member", "viewer"},
    "alerts.read": {"leader", "deputy"},
    "users.admin": {"leader"},
    "audit.read": {"leader"},
}


def role_can(role: str | None, permission: str) -> bool:
    """Whether a role holds a permission; unknown roles and permissions hold nothing."""
    return role in PERMISSIONS.get(permission, set())
