"""Property: whatever the interleaving of sends, lost answers, retries, duplicates and
restores from backup, the server ends with every record the device created exactly once.

The server is the real app and database (through WebTest); the device is a small model that
follows the client's rules in static/js/sync.js: a record stays pending until the answer says
accepted or duplicate, and a sent record the server does not hold goes back in the queue."""
import copy
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwa.api.openapi import EXAMPLES
from pwa.extensions import db
from pwa.models import Device, Sighting, SyncProblem, Visit
from pwa.sync.protocol import in_ranges
from tests.helpers import csrf_token, device_secret, login


class DeviceModel:
    """The device side of the protocol, reduced to its rules."""

    def __init__(self):
        self.id = str(uuid.uuid4())
        self.records: dict[str, dict] = {}   # id -> {"seq", "body", "state"}
        self.next_seq = 1

    def create(self):
        """A visit or a crowd sighting, in turn: both share the device's sequence."""
        kind = "visit" if self.next_seq % 2 else "sighting"
        rec = copy.deepcopy(EXAMPLES[kind])
        rec.update(id=str(uuid.uuid4()), device_id=self.id, seq=self.next_seq, author="member")
        rec["data"]["notes"] = f"Bản ghi số {self.next_seq}"
        self.records[rec["id"]] = {"seq": self.next_seq, "body": rec, "state": "pending"}
        self.next_seq += 1

    def pending(self, limit=None):
        batch = sorted((r for r in self.records.values() if r["state"] == "pending"),
                       key=lambda r: r["seq"])
        return batch[:limit] if limit else batch

    def apply(self, answer):
        for result in answer["results"]:
            if result["status"] in ("accepted", "duplicate"):
                self.records[result["id"]]["state"] = "sent"
        for rec in self.records.values():
            if rec["state"] == "sent" and not in_ranges(rec["seq"], answer["held"]["ranges"]):
                rec["state"] = "pending"


def _send(client, device, records):
    body = {"device": {"id": device.id, "secret": device_secret(device.id),
                       "outbox_depth": len(device.pending())},
            "records": [r["body"] for r in records]}
    return client.post_json("/api/v1/sync", body,
                            headers={"X-CSRFToken": csrf_token(client)}).json


def _stored(observer):
    """Record id → its notes, over every record type."""
    with observer.app_context():
        rows = []
        for model in (Visit, Sighting):
            rows += db.session.execute(sa.select(model.id, model.notes)).all()
        return dict(rows)


def _restore(observer, snapshot: set[str]):
    """The database as it was at the backup: rows added since are gone."""
    with observer.app_context():
        for model in (Visit, Sighting):
            db.session.execute(sa.delete(model).where(model.id.not_in(snapshot or {""})))
        db.session.commit()


def _reset(observer):
    with observer.app_context():
        for model in (Visit, Sighting, SyncProblem, Device):
            db.session.execute(sa.delete(model))
        db.session.commit()


operations = st.lists(st.one_of(
    st.tuples(st.just("create"), st.integers(1, 4)),
    st.tuples(st.just("send"), st.integers(1, 5)),
    st.tuples(st.just("send_answer_lost"), st.integers(1, 5)),
    st.tuples(st.just("resend_sent"), st.integers(1, 3)),
    st.tuples(st.just("backup"), st.just(0)),
    st.tuples(st.just("restore"), st.just(0)),
), max_size=25)


# Examples, seed and health checks come from the profile (tests/conftest.py).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations)
def test_every_record_ends_on_the_server_exactly_once(client, observer, steps):
    if not client.cookies.get("tcd_session"):
        login(client, "member")
    _reset(observer)
    device, backup = DeviceModel(), set()
    for op, n in steps:
        if op == "create":
            for _ in range(n):
                device.create()
        elif op == "send":
            device.apply(_send(client, device, device.pending(n)))
        elif op == "send_answer_lost":
            _send(client, device, device.pending(n))        # committed; the answer never came
        elif op == "resend_sent":
            sent = [r for r in device.records.values() if r["state"] == "sent"][:n]
            device.apply(_send(client, device, sent))
        elif op == "backup":
            backup = set(_stored(observer))
        elif op == "restore":
            _restore(observer, backup)

    for _ in range(10):                     # the device keeps syncing until nothing is pending
        device.apply(_send(client, device, device.pending()))
        if not device.pending():
            break
    stored = _stored(observer)
    assert set(stored) == set(device.records)
    assert len(stored) == len(device.records)
    for record_id, rec in device.records.items():
        assert stored[record_id] == rec["body"]["data"]["notes"]
        assert rec["state"] == "sent"
