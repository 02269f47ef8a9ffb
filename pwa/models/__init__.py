"""The data model: reference data, people, visits and their history, devices, the audit log."""
from .audit import AuditEntry
from .devices import Device
from .field import Photo, Sighting, SightingUpdate, WatchEntry, WatchEntryChange
from .people import LoginAttempt, User, UserSession
from .reference import Plan, Shift, Site, Unit
from .summary import VisitDay
from .sync_problems import SyncProblem
from .visits import DenouncerIdentity, Visit, VisitAmendment

__all__ = [
    "Photo", "Sighting", "SightingUpdate", "WatchEntry", "WatchEntryChange",
    "AuditEntry", "Device", "LoginAttempt", "User", "UserSession", "Plan", "Shift", "Site",
    "Unit", "SyncProblem", "VisitDay", "DenouncerIdentity", "Visit", "VisitAmendment",
]
