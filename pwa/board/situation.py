"""What the board shows, as plain queries: open sightings (flagged first), today's visits by
kind, visits per day over the duty period, sightings per site."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..models import Plan, Sighting, SightingUpdate, Site, Unit, VisitDay
from ..models.summary import day_totals

OPEN_LIMIT = 100          # open sightings listed; more than that is a different emergency
CLOSED_SINCE = timedelta(hours=24)


@dataclass
class Bar:
    """One bar of a chart, with its share of the tallest bar (0–1)."""
    label: str
    value: int
    share: float


def bars(pairs) -> list[Bar]:
    pairs = list(pairs)
    top = max((v for _, v in pairs), default=0) or 1
    return [Bar(label, value, value / top) for label, value in pairs]


def trend(sighting: Sighting) -> str:
    """"up", "down" or "" from the last two head counts."""
    if sighting.previous_count is None or sighting.previous_count == sighting.latest_count:
        return ""
    return "up" if sighting.latest_count > sighting.previous_count else "down"


def open_sightings() -> list[Sighting]:
    """Open sightings, flagged ones first, then the most recently seen."""
    return db.session.scalars(
        select(Sighting).where(Sighting.closed.is_(False))
        .options(selectinload(Sighting.site), selectinload(Sighting.watch_entry),
                 selectinload(Sighting.reporter),
                 selectinload(Sighting.updates).selectinload(SightingUpdate.reporter))
        .order_by(Sighting.flagged.desc(), Sighting.seen_at.desc()).limit(OPEN_LIMIT)).all()


def recently_closed(now: datetime) -> list[Sighting]:
    return db.session.scalars(
        select(Sighting).where(Sighting.closed.is_(True),
                               Sighting.last_update_at >= now - CLOSED_SINCE)
        .options(selectinload(Sighting.site))
        .order_by(Sighting.last_update_at.desc()).limit(20)).all()


def since(moment: datetime, now: datetime) -> str:
    """How long ago, in plain words ("2 h 05 min")."""
    from flask_babel import gettext as _
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return _("%(m)d min ago", m=minutes)
    return _("%(h)d h %(m)02d min ago", h=minutes // 60, m=minutes % 60)


def who_is_there(sighting: Sighting) -> list[str]:
    """The members who reported on it, first reporter first."""
    names = [sighting.reporter.display_name]
    for update in sighting.updates:
        if update.reporter.display_name not in names:
            names.append(update.reporter.display_name)
    return names


def commune_names() -> dict[str, str]:
    return dict(db.session.execute(select(Unit.code, Unit.name)).all())


def today_visits(today: date) -> VisitDay:
    """The register's totals for a day (all zero when nothing was received): the one source
    of "today's figures" for the board and the home page."""
    return day_totals(today)


def duty_period(today: date) -> tuple[date, date]:
    """The plan's period, or the last 30 days when there is no plan."""
    plan = db.session.scalar(select(Plan))
    if plan is None:
        return today - timedelta(days=29), today
    return plan.period_start, plan.period_end


def visits_per_day(start: date, end: date) -> list[Bar]:
    counts = dict(db.session.execute(select(VisitDay.day, VisitDay.visits).where(
        VisitDay.day.between(start, end))).all())
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return bars((d.strftime("%d/%m"), counts.get(d, 0)) for d in days)


def sightings_per_site(start: datetime) -> list[Bar]:
    # Counted on the sightings alone (a covering index), names looked up after: a join here
    # made SQLite scan the sightings once per site.
    counts = db.session.execute(
        select(Sighting.site_code, func.count()).where(Sighting.seen_at >= start)
        .group_by(Sighting.site_code)).all()
    names = dict(db.session.execute(select(Site.code, Site.name)).all())
    return bars(sorted(((names.get(code, code), n) for code, n in counts),
                       key=lambda pair: -pair[1]))


def situation(today: date) -> dict:
    """Everything the board shows, in one call."""
    now = utcnow()
    start, end = duty_period(today)
    period_start = datetime.combine(start, datetime.min.time()).replace(tzinfo=now.tzinfo)
    return {"open": open_sightings(), "closed": recently_closed(now),
            "communes": commune_names(), "today": today_visits(today),
            "per_day": visits_per_day(start, end), "period": (start, end),
            "per_site": sightings_per_site(period_start), "now": now}
