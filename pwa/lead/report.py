"""The sync status report in words: one dict, translated and formatted, that the page renders
and GET /api/v1/status returns, so the page's refresh shows exactly what a reload would."""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms.fields.core import UnboundField

from ..clock import format_date, local_zone
from ..database import utcnow
from ..models import SyncProblem
from ..sync import problems
from ..sync.registry import RECORD_TYPES
from . import facts as gather
from .status import (
    LEVELS,
    DeviceFacts,
    DeviceWarning,
    all_warnings,
    devices_in_order,
    is_clock_off,
    is_outdated,
    ranges_text,
)

# Which cells of a device's row each warning marks.
FLAGGED_CELLS = {"silent_pending": ("last_contact", "outbox"), "gaps": ("gaps",),
                 "conflict": ("not_stored",), "rejected": ("not_stored",),
                 "outdated_app": ("app_version",), "clock_skew": ("clock",)}
# Warnings the page lists at once; the rest wait behind a disclosure (the JSON has them all).
WARNINGS_SHOWN = 12
# Devices listed besides those with a critical or serious warning (always all listed), unless
# all are asked for: no one reads 500 rows, and after a new version every device is "old"
# (a notice) until it is reopened.
OTHERS_SHOWN = 50
# Envelope fields and the sync service's own notes (the forms' messages come translated).
ENVELOPE_LABELS = {"seq": _l("Sequence number"), "id": _l("Record id"),
                   "type": _l("Record type"), "author": _l("Author")}
# Problems of the record as a whole are shown without a field label.
PROBLEM_STATUS = {"rejected": _l("rejected"), "conflict": _l("in conflict")}


# Phrases every device's row uses: looked up once per report (see Wording).
PHRASES = {
    "days": _l("%(d)d d %(h)d h"),
    "hours": _l("%(h)d h %(m)02d min"),
    "minutes_seconds": _l("%(m)d min %(s)d s"),
    "minutes": _l("%(m)d min"),
    "seconds": _l("%(s)d s"),
    "never": _l("never"),
    "just_now": _l("just now"),
    "ago": _l("%(duration)s ago"),
    "in_step": _l("in step"),
    "fast": _l("%(duration)s fast"),
    "slow": _l("%(duration)s slow"),
    "rejected": _l("rejected: %(n)d"),
    "conflicts": _l("in conflict: %(n)d"),
    "oldest": _l("oldest from %(when)s"),
    "unknown_user": _l("unknown user"),
}


class Wording:
    """PHRASES in the request's language and times in the unit's zone, looked up once per
    report rather than once per device: each Flask-Babel or config lookup goes through
    context locals, and 500 devices repeat the same few phrases."""

    def __init__(self):
        self.words = {key: str(text) for key, text in PHRASES.items()}
        self.zone = local_zone()

    def when(self, moment: datetime | None) -> str:
        """dd/mm/yyyy HH:MM in local time, as clock.format_datetime writes it."""
        return moment.astimezone(self.zone).strftime("%d/%m/%Y %H:%M") if moment else ""

    def duration(self, seconds: float, precise: bool = False) -> str:
        """A span of time: "45 s", "12 min", "2 h 05 min", "3 d 4 h"; precise adds the
        seconds under an hour ("7 min 30 s")."""
        seconds = int(abs(seconds))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        if days:
            return self.words["days"] % {"d": days, "h": hours}
        if hours:
            return self.words["hours"] % {"h": hours, "m": minutes}
        if minutes and precise and secs:
            return self.words["minutes_seconds"] % {"m": minutes, "s": secs}
        if minutes:
            return self.words["minutes"] % {"m": minutes}
        return self.words["seconds"] % {"s": secs}

    def ago(self, moment: datetime | None, now: datetime) -> str:
        """How long ago an instant was ("12 min ago"), or "never"."""
        if moment is None:
            return self.words["never"]
        if now - moment < timedelta(seconds=1):
            return self.words["just_now"]
        return self.words["ago"] % {"duration": self.duration((now - moment).total_seconds())}

    def skew(self, seconds: float) -> str:
        """How far a device's clock is off: "7 min 30 s fast", "2 min slow", "in step"."""
        if abs(seconds) < 1:
            return self.words["in_step"]
        duration = self.duration(seconds, precise=True)
        return self.words["fast" if seconds > 0 else "slow"] % {"duration": duration}


def warning_text(warning: DeviceWarning, device: DeviceFacts, now: datetime,
                 wording: Wording) -> str:
    """A warning in plain words, naming the device and its user."""
    who = {"device": device.name, "user": device.user or wording.words["unknown_user"]}
    n = int(warning.amount)
    if warning.code == "silent_pending":
        silence = (now - device.last_contact).total_seconds() if device.last_contact else 0
        return ngettext(
            "%(device)s (%(user)s): no contact for %(duration)s while %(num)d record waits "
            "to be sent.",
            "%(device)s (%(user)s): no contact for %(duration)s while %(num)d records wait "
            "to be sent.", n, duration=wording.duration(silence), **who)
    if warning.code == "gaps":
        return ngettext(
            "%(device)s (%(user)s): %(num)d record never reached the server (number "
            "%(numbers)s).",
            "%(device)s (%(user)s): %(num)d records never reached the server (numbers "
            "%(numbers)s).", n,
            numbers=ranges_text(device.gaps, device.gaps_more), **who)
    if warning.code == "conflict":
        return ngettext(
            "%(device)s (%(user)s): %(num)d record is in conflict and was not stored.",
            "%(device)s (%(user)s): %(num)d records are in conflict and were not stored.",
            n, **who)
    if warning.code == "rejected":
        return ngettext(
            "%(device)s (%(user)s): %(num)d record was rejected and waits to be corrected "
            "on the device.",
            "%(device)s (%(user)s): %(num)d records were rejected and wait to be corrected "
            "on the device.", n, **who)
    if warning.code == "outdated_app":
        return _("%(device)s (%(user)s): runs an old version of the app (%(version)s); open "
                 "the app on it while online to update.",
                 version=device.app_version or _("unknown"), **who)
    return _("%(device)s (%(user)s): its clock is %(skew)s.",
             skew=wording.skew(device.clock_skew_seconds), **who)


def _field_labels(record_type: str) -> dict[str, str]:
    """Field names of a record type's form with their labels, to word field errors (read
    from the class: building the form would query its choices)."""
    kind = RECORD_TYPES.get(record_type)
    labels = {}
    for name in dir(kind.form) if kind else ():
        field = getattr(kind.form, name, None)
        if isinstance(field, UnboundField):
            labels[name] = str(field.kwargs.get("label", field.args[0] if field.args else name))
    return labels


def problem_entry(problem: SyncProblem, labels: dict[str, dict[str, str]],
                  wording: Wording) -> dict:
    """One rejected or conflicting record: what, when, and the messages it got."""
    if problem.record_type not in labels:
        labels[problem.record_type] = _field_labels(problem.record_type)
    fields = labels[problem.record_type]
    errors = problem.errors if isinstance(problem.errors, dict) else {}
    messages = []
    for name, texts in errors.items():
        texts = texts if isinstance(texts, list) else [texts]
        label = fields.get(name) or str(ENVELOPE_LABELS.get(name, name))
        texts = [problems.text(item) for item in texts]
        messages += [text if name in ("_form", "record") else f"{label}: {text}"
                     for text in texts]
    kind = RECORD_TYPES.get(problem.record_type)
    type_label = str(kind.label) if kind else problem.record_type
    return {"seq": problem.seq, "record_id": problem.record_id,
            "record_type": problem.record_type, "status": problem.status,
            "at": problem.at.isoformat(),
            "title": " · ".join([f"#{problem.seq}", type_label,
                                 str(PROBLEM_STATUS.get(problem.status, problem.status)),
                                 wording.when(problem.at)]),
            "messages": messages}


def device_entry(device: DeviceFacts, codes: list[str], problems: list[dict], now: datetime,
                 server_version: str, wording: Wording) -> dict:
    """One device's row: the facts, and the same facts in words."""
    words = wording.words
    not_stored = [words[key] % {"n": n} for key, n in (("rejected", device.rejected),
                                                      ("conflicts", device.conflicts)) if n]
    return {
        "id": device.id, "name": device.name, "label": device.label, "user": device.user,
        "level": LEVELS[codes[0]] if codes else "ok", "warnings": codes,
        "flagged": sorted({cell for code in codes for cell in FLAGGED_CELLS[code]}),
        "last_contact": _iso(device.last_contact),
        "last_contact_text": wording.when(device.last_contact),
        "last_contact_ago": wording.ago(device.last_contact, now),
        "last_sync": _iso(device.last_sync), "last_sync_text": wording.when(device.last_sync),
        "outbox_depth": device.outbox_depth, "oldest_pending": _iso(device.oldest_pending),
        "oldest_pending_text": (words["oldest"] % {"when": wording.when(device.oldest_pending)}
                                if device.outbox_depth and device.oldest_pending else ""),
        "highest_seq": device.highest_seq,
        "gaps": {"count": device.gap_count, "ranges": device.gaps, "more": device.gaps_more,
                 "text": ranges_text(device.gaps, device.gaps_more)},
        "rejected": device.rejected, "conflicts": device.conflicts,
        "not_stored_text": ", ".join(not_stored), "problems": problems,
        "app_version": device.app_version, "app_outdated": is_outdated(device, server_version),
        "clock_skew_seconds": round(device.clock_skew_seconds, 1) + 0.0,  # never "-0.0"
        "clock_skew_text": wording.skew(device.clock_skew_seconds),
        "clock_off": is_clock_off(device),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def build(now: datetime | None = None, show_all: bool = False) -> dict:
    """The whole report: summary figures, warnings most serious first, today's totals and
    the devices, the worst first (those with a critical or serious warning, then OTHERS_SHOWN
    more unless show_all)."""
    now = now or utcnow()
    server_version = current_app.config["APP_VERSION"]
    devices, problems = gather.device_facts()
    warnings = all_warnings(devices, now, server_version)
    by_id = {d.id: d for d in devices}
    codes: dict[str, list[str]] = {}
    for w in warnings:
        codes.setdefault(w.device_id, []).append(w.code)
    labels: dict[str, dict[str, str]] = {}
    wording = Wording()
    today = now.astimezone(wording.zone).date()
    totals = gather.received_between(*gather.day_bounds(today, wording.zone))
    listed = devices_in_order(devices, warnings)
    if not show_all:
        serious = {w.device_id for w in warnings if LEVELS[w.code] != "notice"}
        listed = listed[:len(serious) + OTHERS_SHOWN]
    return {
        "generated_at": now.isoformat(),
        "generated_at_text": now.astimezone(wording.zone).strftime("%H:%M:%S"),
        "server_version": server_version,
        "summary": {
            "devices": len(devices),
            "attention": len(codes),
            "pending": sum(d.outbox_depth for d in devices),
            "missing": sum(d.gap_count for d in devices),
            "not_stored": sum(d.rejected + d.conflicts for d in devices),
        },
        "warnings_shown": WARNINGS_SHOWN,
        "warnings": [{"code": w.code, "level": LEVELS[w.code], "device_id": w.device_id,
                      "device": by_id[w.device_id].name, "user": by_id[w.device_id].user,
                      "text": warning_text(w, by_id[w.device_id], now, wording)}
                     for w in warnings],
        "today": {"date": today.isoformat(), "date_text": format_date(today),
                  "totals": [{"type": name, "count": n,
                              "label": str(RECORD_TYPES[name].label_plural)}
                             for name, n in totals]},
        "show_all": show_all,
        "devices_hidden": len(devices) - len(listed),
        "devices": [device_entry(d, codes.get(d.id, []),
                                 [problem_entry(p, labels, wording)
                                  for p in problems.get(d.id, [])],
                                 now, server_version, wording)
                    for d in listed],
    }

