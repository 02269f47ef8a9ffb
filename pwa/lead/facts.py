"""What the server knows about each device, gathered with a few summary queries.

Sized for a million records: per-device counts come from the (device_id, seq) indexes, and
only devices whose count falls short of their highest number have their runs of numbers
worked out (in SQL, as "islands"), so the full lists of numbers never leave the database.
Every record type in SEQUENCED_MODELS is included: a new one joins without changes here.
"""
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, union

from ..extensions import db
from ..models import Device, SyncProblem, User
from ..sync.service import SEQUENCED_MODELS
from .status import DeviceFacts, capped, count_numbers, missing_ranges

# Problems listed per device (the newest); the counts are always complete.
MAX_PROBLEMS = 20


def record_type_name(model) -> str:
    """The sync protocol's name for a model's records: Visit -> visit,
    SightingUpdate -> sighting_update."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


def held_counts() -> dict[str, int]:
    """How many sequence numbers the server holds per device, over every record type."""
    counts: dict[str, int] = {}
    for model in SEQUENCED_MODELS:
        rows = db.session.execute(select(model.device_id, func.count())
                                  .group_by(model.device_id))
        for device_id, n in rows:
            counts[device_id] = counts.get(device_id, 0) + n
    return counts


def problem_counts() -> dict[str, dict[str, int]]:
    """{device id: {"rejected": n, "conflict": m}} from the problem register."""
    counts: dict[str, dict[str, int]] = {}
    rows = db.session.execute(select(SyncProblem.device_id, SyncProblem.status, func.count())
                              .group_by(SyncProblem.device_id, SyncProblem.status))
    for device_id, status, n in rows:
        counts.setdefault(device_id, {})[status] = n
    return counts


def present_runs(device_ids: list[str]) -> dict[str, list[list[int]]]:
    """Runs of consecutive numbers the server holds or has a problem for, per device.

    Numbers minus their row number are constant along a run ("gaps and islands"), so the
    database returns one row per run instead of one per record.
    """
    if not device_ids:
        return {}
    parts = [select(m.device_id.label("device_id"), m.seq.label("seq"))
             .where(m.device_id.in_(device_ids)) for m in SEQUENCED_MODELS]
    parts.append(select(SyncProblem.device_id, SyncProblem.seq)
                 .where(SyncProblem.device_id.in_(device_ids)))
    numbers = union(*parts).subquery()  # UNION: a number both held and in conflict counts once
    island = numbers.c.seq - func.row_number().over(partition_by=numbers.c.device_id,
                                                    order_by=numbers.c.seq)
    numbered = select(numbers.c.device_id, numbers.c.seq, island.label("island")).subquery()
    low = func.min(numbered.c.seq)
    rows = db.session.execute(select(numbered.c.device_id, low, func.max(numbered.c.seq))
                              .group_by(numbered.c.device_id, numbered.c.island)
                              .order_by(numbered.c.device_id, low))
    runs: dict[str, list[list[int]]] = {}
    for device_id, first, last in rows:
        runs.setdefault(device_id, []).append([first, last])
    return runs


def recent_problems(device_ids: list[str]) -> dict[str, list[SyncProblem]]:
    """The newest problems of the given devices, at most MAX_PROBLEMS each."""
    if not device_ids:
        return {}
    position = func.row_number().over(partition_by=SyncProblem.device_id,
                                      order_by=(SyncProblem.at.desc(), SyncProblem.seq.desc()))
    ranked = (select(SyncProblem.id, position.label("position"))
              .where(SyncProblem.device_id.in_(device_ids)).subquery())
    rows = db.session.scalars(select(SyncProblem).join(ranked, ranked.c.id == SyncProblem.id)
                              .where(ranked.c.position <= MAX_PROBLEMS)
                              .order_by(SyncProblem.device_id, SyncProblem.seq))
    found: dict[str, list[SyncProblem]] = {}
    for problem in rows:
        found.setdefault(problem.device_id, []).append(problem)
    return found


def device_facts() -> tuple[list[DeviceFacts], dict[str, list[SyncProblem]]]:
    """Every known device with its gaps and problem counts, and its newest problems."""
    rows = db.session.execute(select(Device, User).outerjoin(User, User.id == Device.user_id)
                              .order_by(Device.id)).all()
    held = held_counts()
    problems = problem_counts()
    # A device whose held numbers fall short of its highest one may have gaps, or problems
    # in their place: only those need their runs of numbers.
    suspects = {d.id for d, _ in rows if held.get(d.id, 0) < (d.highest_seq or 0)}
    runs = present_runs(sorted(suspects))
    facts = []
    for device, user in rows:
        counts = problems.get(device.id, {})
        gaps = (missing_ranges(runs.get(device.id, []), device.highest_seq)
                if device.id in suspects else [])
        shown, more = capped(gaps)
        facts.append(DeviceFacts(
            id=device.id, label=device.label, user=user.display_name if user else "",
            last_contact=device.last_contact, last_sync=device.last_sync,
            outbox_depth=device.outbox_depth or 0, oldest_pending=device.oldest_pending,
            highest_seq=device.highest_seq or 0, gaps=shown, gaps_more=more,
            gap_count=count_numbers(gaps),
            rejected=counts.get("rejected", 0), conflicts=counts.get("conflict", 0),
            app_version=device.app_version or "",
            clock_skew_seconds=device.clock_skew_seconds or 0.0))
    with_problems = [d.id for d, _ in rows if d.id in problems]
    return facts, recent_problems(with_problems)


def day_bounds(day: date, zone) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (the next day's start)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def received_between(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """How many records of each type the server received in [start, end), in the order of
    SEQUENCED_MODELS."""
    totals = []
    for model in SEQUENCED_MODELS:
        n = db.session.scalar(select(func.count()).select_from(model)
                              .where(model.received_at >= start, model.received_at < end))
        totals.append((record_type_name(model), n or 0))
    return totals
