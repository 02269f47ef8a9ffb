"""Build a large database fast: SQLAlchemy Core executemany in big transactions, on a schema
made by the real migrations and with the product's own (durable) SQLite pragmas.

Devices are seeded in the states the status page tells apart (gaps, rejected and conflicting
records, silence with records pending, an old app, a wrong clock), so its queries do real work.
"""
import random
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from pwa.cli import load_reference_data
from pwa.extensions import db
from pwa.models import Device, Sighting, Site, SyncProblem, Unit, User, Visit, VisitDay
from pwa.models.summary import visit_counts

# Rows per transaction: past ~100k the gain is small and memory grows (TOOLCHAIN.md).
CHUNK = 100_000
PASSWORD = "bench password not for production"
RECORDERS = 60
KINDS = ("khieu_nai", "to_cao", "kien_nghi", "phan_anh")
OLD_VERSION = "0.0.9+old"  # what devices in the "old_app" state run


def device_state(i: int) -> str:
    """The state of the i-th device: most are healthy, a few of each kind are not."""
    for state, (every, at) in {"gaps": (50, 7), "problems": (40, 3), "silent": (25, 5),
                               "old_app": (20, 9), "skewed": (33, 1)}.items():
        if i % every == at:
            return state
    return "healthy"


def _chunks(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table, rows) -> int:
    """Insert rows in transactions of CHUNK rows; returns how many."""
    n = 0
    for batch in _chunks(rows):
        with db.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # A big page cache for the load only: random UUID keys touch pages all over
                # the indexes. Durability pragmas stay as the product sets them.
                conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.execute(table.insert(), batch)
        n += len(batch)
    return n


class Plan:
    """Which numbers each device's records take, and which numbers it never sent."""

    def __init__(self, devices: int, visits: int, sightings: int, rng: random.Random):
        self.ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(devices)]
        self.state = {device: device_state(i) for i, device in enumerate(self.ids)}
        # One device in five is a phone in the field (sightings), the rest desk tablets.
        phones = max(1, devices // 5) if sightings else 0
        self.phones, self.tablets = self.ids[:phones], self.ids[phones:] or self.ids
        self.numbers = {d: 0 for d in self.ids}
        self.missing = {d: 0 for d in self.ids}
        self.rng, self.visits, self.sightings = rng, visits, sightings

    def next_seq(self, device: str) -> int:
        """The device's next number; a device with gaps skips one in 250 (from number 2), as
        if a record were lost on the way."""
        self.numbers[device] += 1
        if self.state[device] == "gaps" and self.numbers[device] % 250 == 2:
            self.missing[device] += 1
            self.numbers[device] += 1
        return self.numbers[device]

    def spread(self, devices: list[str], total: int):
        """(device, seq) for `total` records dealt round-robin over the devices."""
        for n in range(total):
            device = devices[n % len(devices)]
            yield device, self.next_seq(device)


def _received_at(rng, now):
    """Spread over the last 60 days, a little denser today."""
    if rng.random() < 0.02:
        return now - timedelta(seconds=rng.randrange(0, 6 * 3600))
    return now - timedelta(seconds=rng.randrange(0, 60 * 86400))


def visit_rows(plan: Plan, officers: list[int], communes: list[str], now):
    rng = plan.rng
    for device, seq in plan.spread(plan.tablets, plan.visits):
        record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        received_at = _received_at(rng, now)
        people = 1 if rng.random() < 0.9 else rng.randrange(5, 30)
        kinds = {k: rng.random() < 0.3 for k in KINDS}
        yield {
            "id": record_id, "device_id": device, "seq": seq,
            "content_hash": record_id.replace("-", "") * 2, "officer_id": rng.choice(officers),
            "handler_id": None, "recorded_at": received_at - timedelta(minutes=3),
            "received_at": received_at, "received_on": (received_at + timedelta(hours=7)).date(),
            "shift": "morning" if rng.random() < 0.6 else "afternoon",
            "reception_type": "regular", "source": "in_person",
            "citizen_name": f"Công dân {seq}", "id_number": f"0260{rng.randrange(10**8):08d}",
            "address": "Huyện Vĩnh Tường, tỉnh Vĩnh Phúc", "phone": "",
            "representatives": ["Nguyễn Văn A"] if people >= 5 else [],
            "commune_code": rng.choice(communes), "people_count": people,
            **{f"kind_{k}": v for k, v in kinds.items()},
            "subject_area": "dat_dai", "content": "Khiếu nại về bồi thường giải phóng mặt bằng",
            "request": "", "prior_handler": "", "is_repeat": rng.random() < 0.3,
            "direction": "thu_ly", "forwarded_to": "", "guidance": "", "refusal_reason": "",
            "refusal_note": "", "documents": "", "notes": "",
            "search_text": "cong dan khieu nai ve boi thuong giai phong mat bang", "sealed": False,
        }


def with_day_totals(rows, days: dict):
    """Pass visit rows through, adding each to its day's totals as storing a visit does (the
    board reads those, not the million rows)."""
    for row in rows:
        days[row["received_on"]].update(visit_counts(SimpleNamespace(**row)))
        yield row


def _visit_days(days: dict) -> int:
    return _insert(VisitDay.__table__, [{"day": day, **totals} for day, totals in days.items()])


def sighting_rows(plan: Plan, reporters: list[int], sites: list[str], now):
    rng = plan.rng
    for device, seq in plan.spread(plan.phones, plan.sightings):
        record_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        received_at = _received_at(rng, now)
        people = rng.randrange(1, 60)
        yield {
            "id": record_id, "device_id": device, "seq": seq,
            "content_hash": record_id.replace("-", "") * 2, "reporter_id": rng.choice(reporters),
            "recorded_at": received_at - timedelta(minutes=2), "received_at": received_at,
            "site_code": rng.choice(sites), "place_text": "", "latitude": None,
            "longitude": None, "accuracy": None, "seen_at": received_at - timedelta(minutes=5),
            "people_count": people, "communes": [], "watch_entry_id": None, "demands": "",
            "banners": "", "leaders": "", "police": "unknown", "notes": "", "photo_ids": [],
            "flagged": people >= 5, "flagged_at": received_at if people >= 5 else None,
            "latest_count": people, "previous_count": None, "last_action": "",
            "last_update_at": None, "closed": rng.random() < 0.9,
        }


def _users() -> tuple[list[int], list[int]]:
    """A leader to sign in as, desk officers and members; one password hash for all."""
    password_hash = generate_password_hash(PASSWORD)
    rows = [{"username": "bench-leader", "full_name": "Tổ trưởng", "role": "leader"}]
    rows += [{"username": f"bench-{i}", "full_name": f"Cán bộ {i}",
              "role": "desk" if i % 2 else "member"} for i in range(RECORDERS)]
    now = datetime.now(timezone.utc)
    with db.engine.begin() as conn:
        conn.execute(User.__table__.insert(), [{**r, "password_hash": password_hash,
                                                "active": True, "created_at": now}
                                               for r in rows])
    ids = dict(db.session.execute(sa.select(User.username, User.id)).all())
    recorders = [ids[f"bench-{i}"] for i in range(RECORDERS)]
    return ([u for i, u in enumerate(recorders) if i % 2],
            [u for i, u in enumerate(recorders) if not i % 2])


def _devices(plan: Plan, users: list[int], server_version: str, now) -> int:
    rows = []
    for i, device in enumerate(plan.ids):
        state = plan.state[device]
        highest = plan.numbers[device]
        last = now - (timedelta(hours=3) if state == "silent" else timedelta(minutes=i % 30))
        rows.append({
            "id": device, "label": f"Thiết bị {i + 1}" if i % 3 else "",
            "user_id": users[i % len(users)], "app_version":
                OLD_VERSION if state == "old_app" else server_version,
            "last_contact": last, "last_sync": last,
            "outbox_depth": 7 if state == "silent" else 0,
            "oldest_pending": last - timedelta(hours=1) if state == "silent" else None,
            "highest_seq": highest + (3 if state == "problems" else 0),
            "clock_skew_seconds": 420.0 if state == "skewed" else 0.4,
            "rejected_count": 2 if state == "problems" else 0,
            "conflict_count": 1 if state == "problems" else 0,
        })
    return _insert(Device.__table__, rows)


def _held_counts(plan: Plan) -> None:
    """What each device's last sync would have stored: how many of its numbers are held."""
    rows = [{"id": d, "n": plan.numbers[d] - plan.missing[d]} for d in plan.ids]
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE devices SET held_count = :n WHERE id = :id"), rows)


def _problems(plan: Plan, users: list[int], now) -> int:
    """Two rejected and one conflicting record just past each problem device's numbers."""
    rows = []
    for device in plan.ids:
        if plan.state[device] != "problems":
            continue
        for k, status in enumerate(("rejected", "rejected", "conflict"), start=1):
            errors = ({"people_count": ["Số người phải từ 1 trở lên."]} if status == "rejected"
                      else {"seq": ["used by another record"]})
            rows.append({"device_id": device, "seq": plan.numbers[device] + k,
                         "record_id": str(uuid.uuid4()), "record_type": "visit",
                         "status": status, "errors": errors, "user_id": users[0], "at": now})
    return _insert(SyncProblem.__table__, rows)


def current_versions(server_version: str) -> None:
    """Devices not meant to be old run the server's version (which changes with every edit
    of a static file), for timing a database built earlier."""
    with db.engine.begin() as conn:
        conn.execute(sa.update(Device).where(Device.app_version != OLD_VERSION)
                     .values(app_version=server_version))


def build(*, visits: int, sightings: int, devices: int, server_version: str,
          seed: int = 2021) -> dict:
    """Fill the (migrated, empty) database; returns the row counts and the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    load_reference_data()
    desk, members = _users()
    communes = list(db.session.scalars(sa.select(Unit.code)))
    sites = list(db.session.scalars(sa.select(Site.code)))
    plan = Plan(devices, visits, sightings, rng)
    days: dict = defaultdict(Counter)
    counts = {"visits": _insert(Visit.__table__, with_day_totals(
        visit_rows(plan, desk + members, communes, now), days))}
    counts["visit_days"] = _visit_days(days)
    # Row makers for further record types go here; a type without one stays empty.
    counts["sightings"] = _insert(Sighting.__table__, sighting_rows(plan, members, sites, now))
    counts["sighting_updates"] = 0
    counts["devices"] = _devices(plan, desk + members, server_version, now)
    _held_counts(plan)
    counts["sync_problems"] = _problems(plan, desk + members, now)
    counts["never_received"] = sum(plan.missing.values())
    counts["users"] = 1 + len(desk) + len(members)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # planner statistics, as after any bulk load
    counts["seconds"] = time.perf_counter() - started
    return counts
