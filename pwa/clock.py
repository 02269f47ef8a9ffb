"""Local time for the unit: today's date, the current shift, dd/mm/yyyy formatting."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from .database import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_now() -> datetime:
    """Now, in the unit's time zone."""
    return utcnow().astimezone(local_zone())


def shift_at(moment: time, shifts) -> str:
    """The shift a local time falls in, else "outside" (e.g. a visit at 18:00)."""
    for shift in shifts:
        if shift.starts <= moment <= shift.ends:
            return shift.code
    return "outside"


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(local_zone())
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM on the 24-hour clock, in local time."""
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime("%d/%m/%Y %H:%M")
