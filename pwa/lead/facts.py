"""What the server knows about each device, gathered with a few summary queries.

Sized for a million records. Each sync stores on the device row how many of its numbers the
server holds (devices.held_count); a device whose held numbers and problem records account for
every number up to its highest has no gaps, and nothing more is read. Only the others (gaps,
or a count left behind by two syncs at once) have their numbers read, one index range each.
Every record type of the registry (pwa/sync/registry.py) counts: a new one joins without
changes here.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, literal_column, select, union_all

from ..extensions import db
from ..models import Device, SyncProblem, User
from ..sync.protocol import seq_ranges
from ..sync.registry import RECORD_TYPES, SEQUENCED_MODELS
from .status import DeviceFacts, capped, count_numbers, missing_ranges

# Problems listed per device (the newest); the counts are always complete.
MAX_PROBLEMS = 20
# Set by each sync (see the migration "status summary"); read as a column so this works
# whether or not the model names it yet.
HELD_COUNT = literal_column("devices.held_count")


def problem_numbers() -> dict[str, dict[int, str]]:
    """{device id: {seq: "rejected" | "conflict"}} from the problem register (a short list:
    a record leaves it once corrected and stored)."""
    found: dict[str, dict[int, str]] = {}
    for device_id, seq, status in db.session.execute(
            select(SyncProblem.device_id, SyncProblem.seq, SyncProblem.status)):
        found.setdefault(device_id, {})[seq] = status
    return found


def held_among(numbers: dict[str, dict[int, str]]) -> set[tuple[str, int]]:
    """Which of these (device, seq) pairs the server also holds (a conflict over a number
    keeps the first record's): index probes over the few devices and numbers concerned."""
    held: set[tuple[str, int]] = set()
    if not numbers:
        return held
    wanted = {(device_id, seq) for device_id, seqs in numbers.items() for seq in seqs}
    devices = sorted(numbers)
    seqs = sorted({seq for _, seq in wanted})
    connection = db.session.connection()
    for model in SEQUENCED_MODELS:
        rows = connection.execute(select(model.device_id, model.seq).where(
            model.device_id.in_(devices), model.seq.in_(seqs)))
        held.update(pair for pair in map(tuple, rows) if pair in wanted)
    return held


def present_runs(device_id: str, problems: dict[int, str]) -> list[list[int]]:
    """Runs of the numbers the server holds or has a problem record for, read in one query
    from the (device_id, seq) index of every record type (through Core: no ORM work per
    row)."""
    numbers = union_all(*(select(model.seq).where(model.device_id == device_id)
                          for model in SEQUENCED_MODELS))
    held = db.session.connection().execute(numbers).scalars().all()
    return seq_ranges([*held, *problems])


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
    rows = db.session.execute(
        select(Device.id, Device.label, Device.last_contact, Device.last_sync,
               Device.outbox_depth, Device.oldest_pending, Device.highest_seq,
               Device.app_version, Device.clock_skew_seconds, User.full_name, User.username,
               HELD_COUNT.label("held_count"))
        .outerjoin(User, User.id == Device.user_id).order_by(Device.id)).all()
    problems = problem_numbers()
    problem_held = held_among(problems)
    facts = []
    for row in rows:
        numbers = problems.get(row.id, {})
        highest = row.highest_seq or 0
        accounted = (row.held_count or 0) + sum(1 for seq in numbers
                                                if (row.id, seq) not in problem_held)
        gaps = missing_ranges(present_runs(row.id, numbers), highest) \
            if accounted < highest else []
        shown, more = capped(gaps)
        statuses = list(numbers.values())
        facts.append(DeviceFacts(
            id=row.id, label=row.label, user=row.full_name or row.username or "",
            last_contact=row.last_contact, last_sync=row.last_sync,
            outbox_depth=row.outbox_depth or 0, oldest_pending=row.oldest_pending,
            highest_seq=highest, gaps=shown, gaps_more=more, gap_count=count_numbers(gaps),
            rejected=statuses.count("rejected"), conflicts=statuses.count("conflict"),
            app_version=row.app_version or "", clock_skew_seconds=row.clock_skew_seconds or 0.0))
    return facts, recent_problems(sorted(problems))


def day_bounds(day: date, zone) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (the next day's start)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def received_between(start: datetime, end: datetime) -> list[tuple[str, int]]:
    """How many records of each type the server received in [start, end), in the registry's
    order."""
    totals = []
    for record_type in RECORD_TYPES.values():
        model = record_type.model
        n = db.session.scalar(select(func.count()).select_from(model)
                              .where(model.received_at >= start, model.received_at < end))
        totals.append((record_type.name, n or 0))
    return totals
