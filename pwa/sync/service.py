"""The server side of POST /api/v1/sync, and the one write path of every record.

accept() stores one validated record once, for the sync batch and the HTML form alike, and
writes its audit entry. What is audited (the decision, also in the README):
- every accepted record: "<type>_created" with its type, id, device and sequence number and
  the author as the entry's user; never personal data (the record is in its own table);
- every reuse of a stored id by anyone but its author's own re-send ("record_id_taken"):
  that is how a guess at a sealed identity would be tried, so each try is evidence;
- a device refused for a wrong secret ("device_secret_refused").
Duplicates (a re-send the server already holds) and rejections are not audited: they are
the normal life of an offline device, and rejections are kept in sync_problems.

process_batch() validates each record in its own savepoint, so a malformed or unlucky record
is a per-record "rejected" and never fails the batch; the good ones are stored in one durable
transaction before the answer, which also says which sequence numbers the server holds.
"""
import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select, union_all
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import sealing
from ..database import utcnow
from ..extensions import db
from ..facts import content_hash, find_existing
from ..models import Device, SyncProblem, User
from ..models.audit import audit
from . import problems, protocol
from .registry import RECORD_TYPES, SEQUENCED_MODELS, RecordType, validate

log = logging.getLogger(__name__)
# Concurrent batches (two tabs, two workers) can collide on the same ids: the loser retries
# and then finds the winner's rows, answering "duplicate".
ATTEMPTS = 5


class BatchError(ValueError):
    """The request as a whole is malformed (not one record of it is looked at)."""

    def __init__(self, errors: dict):
        super().__init__("malformed sync request")
        self.errors = errors


class DeviceRefused(PermissionError):
    """A known device id sent with another device's secret (403, audited)."""


@dataclass
class Answer:
    """What accept() decided: accepted | duplicate | conflict, the row, problems by field."""
    status: str
    row: object = None
    errors: dict = field(default_factory=dict)


# --- the web form's pseudo-device ---

def _server_key(purpose: bytes) -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()


def web_form_device(user: User) -> str:
    """The device id under which a user's plain-form submissions are numbered: derived with
    a server key, so no one can predict it and write into that numbering."""
    digest = hmac.new(_server_key(b"tcd:web-form-device"), f"user:{user.id}".encode(),
                      hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def next_seq(model, device_id: str) -> int:
    """The next sequence number of a server-numbered device: one past its highest, or, once
    the highest is the largest number there is, the lowest free one (so a record planted at
    2^31-1 cannot stop the form)."""
    highest = db.session.scalar(select(func.max(model.seq)).where(model.device_id == device_id))
    if highest is None:
        return 1
    if highest < protocol.MAX_SEQ:
        return highest + 1
    if db.session.scalar(select(model.id).where(model.device_id == device_id,
                                                model.seq == 1)) is None:
        return 1
    later = model.__table__.alias("later")
    return db.session.scalar(
        select(func.min(model.seq + 1)).where(
            model.device_id == device_id, model.seq < protocol.MAX_SEQ,
            ~select(later.c.id).where(later.c.device_id == device_id,
                                      later.c.seq == model.seq + 1).exists()))


# --- the one write path ---

def accept(record_type: RecordType, clean: dict, *, record_id: str, device_id: str,
           seq: int | None, recorded_at: datetime, author: User) -> Answer:
    """Store a validated record once, with its audit entry.

    "duplicate" answers only a genuine re-send: the stored row's device, number (when the
    device numbers its records) and author. Any other use of a stored id is "id_taken",
    whatever the content, and audited. seq=None numbers the record on the server (the HTML
    form's pseudo-device), retrying when two tabs take the same number at once.
    """
    digest = content_hash(clean)
    row = find_existing(record_type.model, record_id)
    if row is not None:
        own = (row.device_id == device_id and row.author_id == author.id
               and (seq is None or row.seq == seq))
        if own and row.content_hash == digest:
            return Answer("duplicate", row)
        if own:
            return Answer("conflict", row, {"id": [problems.stored("content_changed")]})
        audit("record_id_taken", record_type.name, record_id, user=author,
              device_id=device_id, seq=seq)
        return Answer("conflict", None, {"id": [problems.stored("id_taken")]})
    for attempt in range(ATTEMPTS):
        number = seq if seq is not None else next_seq(record_type.model, device_id)
        try:
            with db.session.begin_nested():
                row = record_type.store(clean, record_id=record_id, device_id=device_id,
                                        seq=number, recorded_at=recorded_at,
                                        content_hash=digest, author=author)
                db.session.flush()
            break
        except IntegrityError:
            if seq is not None or attempt == ATTEMPTS - 1:
                raise
    audit(f"{record_type.name}_created", record_type.name, row.id, user=author,
          device_id=device_id, seq=row.seq)
    return Answer("accepted", row)


def begin_write() -> None:
    """Open the write transaction before any savepoint. The sqlite3 module begins one only
    before its first INSERT, so a SAVEPOINT before it would be the outermost transaction and
    its RELEASE a commit; IMMEDIATE takes the write lock now (waiting busy_timeout) rather
    than failing later when a reader's snapshot turns out stale."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# --- the batch ---

def held_ranges(device_id: str) -> list[list[int]]:
    """The sequence numbers of this device the server has stored, as ranges.

    A count and a maximum per record type (index lookups) decide first: when the device holds
    exactly 1..highest, as it does unless a record is missing or refused, no number is read.
    Only a device with gaps has its numbers read."""
    counts = union_all(*(select(func.count().label("n"), func.max(m.seq).label("top"))
                         .where(m.device_id == device_id) for m in SEQUENCED_MODELS)).subquery()
    held, top = db.session.execute(select(func.coalesce(func.sum(counts.c.n), 0),
                                          func.max(counts.c.top))).one()
    if not held:
        return []
    if held == top:
        return [[1, top]]
    numbers = union_all(*(select(m.seq).where(m.device_id == device_id)
                          for m in SEQUENCED_MODELS))
    return protocol.seq_ranges(db.session.connection().execute(numbers).scalars())


def seq_owners(device_id: str, seqs: list[int]) -> dict[int, str]:
    """Which record holds each of these numbers of the device: one query for the batch."""
    if not seqs:
        return {}
    owners = union_all(*(select(m.seq, m.id).where(m.device_id == device_id, m.seq.in_(seqs))
                         for m in SEQUENCED_MODELS))
    return dict(db.session.connection().execute(owners).all())


def _note_problem(user: User, env: dict, status: str, errors: dict) -> None:
    problem = db.session.scalar(select(SyncProblem).where(
        SyncProblem.device_id == env["device_id"], SyncProblem.seq == env["seq"]))
    if problem is None:
        problem = SyncProblem(device_id=env["device_id"], seq=env["seq"])
        db.session.add(problem)
    problem.record_id, problem.record_type = env["id"], env["type"]
    problem.status, problem.errors, problem.user_id, problem.at = status, errors, user.id, utcnow()


def _answer(errors: dict) -> dict:
    return {name: [problems.answered(item) for item in items] for name, items in errors.items()}


def _open_sealed(user: User, env: dict) -> dict:
    """A sealed record's data, opened in place (env["data"]), after the author check: the
    ciphertext is bound to type, id and author, so it opens only for its own record. The
    request edge cannot see inside a ciphertext: the opened text is checked here. Returns
    the problems by field (none when the record was not sealed)."""
    if env.get("sealed") is None:
        return {}
    data, code = sealing.open_record(env["sealed"], record_type=env["type"],
                                     record_id=env["id"], author=user.username)
    if code:
        return {"sealed": [problems.stored(code)]}
    bad = protocol.text_errors(data)
    if bad:
        return {name: [problems.stored(code)] for name, code in bad.items()}
    env["data"] = data
    return {}


def _process_record(user: User, device_id: str, raw, owners: dict[int, str]) -> dict:
    """One record's answer; stores it (in the open transaction) when it is good."""
    env, codes = protocol.parse_envelope(raw, device_id, RECORD_TYPES)
    if env is None:
        # Echo id and seq only when they are well formed: the device matches answers by id,
        # and a wild seq must not reach the device registry.
        raw = raw if isinstance(raw, dict) else {}
        record_id = protocol.parse_uuid(raw.get("id"))
        seq = None if "seq" in codes else raw.get("seq")
        errors = {name: [problems.stored(code)] for name, code in codes.items()}
        if record_id and seq is not None and "device_id" not in codes:
            # A record the device can name: the leader sees it waiting on the device.
            kind = raw.get("type") if "type" not in codes else ""
            _note_problem(user, {"device_id": device_id, "seq": seq, "id": record_id,
                                 "type": kind}, "rejected", errors)
        return {"status": "rejected", "id": record_id, "seq": seq, "errors": _answer(errors)}
    answer = {"id": env["id"], "seq": env["seq"]}
    record_type = RECORD_TYPES[env["type"]]
    owner = owners.get(env["seq"])
    if not user.can(record_type.permission):
        errors = {"type": [problems.stored("type_not_permitted")]}
    elif env["author"] and env["author"] != user.username:
        errors = {"author": [problems.stored("not_author")]}
    elif owner is not None and owner != env["id"]:
        errors = {"seq": [problems.stored("seq_taken")]}
        _note_problem(user, env, "conflict", errors)
        return {**answer, "status": "conflict", "errors": _answer(errors)}
    else:
        errors = _open_sealed(user, env)
        if not errors:
            clean, errors = validate(record_type, env["data"])
    if errors:
        _note_problem(user, env, "rejected", errors)
        return {**answer, "status": "rejected", "errors": _answer(errors)}
    result = accept(record_type, clean, record_id=env["id"], device_id=device_id,
                    seq=env["seq"], recorded_at=env["created_at"], author=user)
    if result.status == "conflict":
        _note_problem(user, env, "conflict", result.errors)
        return {**answer, "status": "conflict", "errors": _answer(result.errors)}
    owners[env["seq"]] = env["id"]
    db.session.execute(delete(SyncProblem).where(SyncProblem.device_id == device_id,
                                                 SyncProblem.seq == env["seq"]))
    return {**answer, "status": result.status,
            "receipt": {"id": result.row.id, "type": env["type"],
                        "received_at": result.row.received_at.isoformat()}}


def _process_isolated(user: User, device_id: str, raw, owners: dict[int, str]) -> dict:
    """One record in its own savepoint: an unexpected error rejects this record only."""
    try:
        with db.session.begin_nested():
            return _process_record(user, device_id, raw, owners)
    except (IntegrityError, OperationalError):
        raise                       # a concurrent batch: the whole batch is retried
    except Exception:
        log.exception("sync: an unexpected error rejected one record")
    raw = raw if isinstance(raw, dict) else {}
    seq = raw.get("seq")
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) and \
        1 <= seq <= protocol.MAX_SEQ else None
    errors = {"record": [problems.stored("internal")]}
    record_id = protocol.parse_uuid(raw.get("id"))
    if seq is not None and record_id is not None:
        try:
            with db.session.begin_nested():
                _note_problem(user, {"device_id": device_id, "seq": seq, "id": record_id,
                                     "type": str(raw.get("type"))[:30]}, "rejected", errors)
        except Exception:
            log.exception("sync: could not note the problem of a rejected record")
    return {"status": "rejected", "id": record_id, "seq": seq, "errors": _answer(errors)}


def _check_device(user: User, report: dict) -> Device | None:
    """The device's secret: adopted at first contact, then required to match."""
    device = db.session.get(Device, report["id"])
    secret = report["secret"]
    if secret is None:
        raise BatchError({"device": {"secret": "missing: every batch carries the "
                                               "device's secret"}})
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if device is None:
        device = Device(id=report["id"], secret_hash=digest)
        db.session.add(device)
    elif device.secret_hash is None:
        device.secret_hash = digest
    elif not hmac.compare_digest(device.secret_hash, digest):
        raise DeviceRefused(report["id"])
    return device


def _update_device(user: User, report: dict, results: list[dict], held: list) -> None:
    now = utcnow()
    device = db.session.get(Device, report["id"])
    if device is None:
        device = Device(id=report["id"])
        db.session.add(device)
    device.label = report["label"] or device.label
    device.user_id, device.app_version = user.id, report["app_version"]
    device.last_contact = device.last_sync = now
    # The report counts the records of this batch as pending; what was stored now is not.
    stored_now = sum(1 for r in results if r["status"] in protocol.HELD_STATUSES)
    device.outbox_depth = max(0, report["outbox_depth"] - stored_now)
    device.oldest_pending = report["oldest_pending"] if device.outbox_depth else None
    seen = [r["seq"] for r in results if isinstance(r.get("seq"), int)]
    device.highest_seq = max([device.highest_seq or 0, *seen, *(h[1] for h in held)])
    device.held_count = sum(high - low + 1 for low, high in held)
    if report["clock"] is not None:
        device.clock_skew_seconds = (report["clock"] - now).total_seconds()
    counts = dict(db.session.execute(
        select(SyncProblem.status, func.count()).where(SyncProblem.device_id == device.id)
        .group_by(SyncProblem.status)).all())
    device.rejected_count = counts.get("rejected", 0)
    device.conflict_count = counts.get("conflict", 0)


def _valid_seqs(records: list) -> list[int]:
    return sorted({r["seq"] for r in records if isinstance(r, dict)
                   and isinstance(r.get("seq"), int) and not isinstance(r.get("seq"), bool)
                   and 1 <= r["seq"] <= protocol.MAX_SEQ})


def process_batch(user: User, body) -> dict:
    """Handle one sync request; raises BatchError when it is malformed as a whole and
    DeviceRefused when the device's secret is wrong (the caller audits it)."""
    if not isinstance(body, dict):
        raise BatchError({"body": "must be a JSON object with 'device' and 'records'"})
    report, errors = protocol.parse_device(body.get("device"))
    if errors:
        raise BatchError({"device": errors})
    records = body.get("records", [])
    if not isinstance(records, list):
        raise BatchError({"records": "must be a list"})
    if len(records) > protocol.MAX_BATCH:
        raise BatchError({"records": f"at most {protocol.MAX_BATCH} records per request"})
    device_id = report["id"]
    for attempt in range(ATTEMPTS):
        try:
            begin_write()
            _check_device(user, report)
            owners = seq_owners(device_id, _valid_seqs(records))
            results = [_process_isolated(user, device_id, raw, owners) for raw in records]
            held = held_ranges(device_id)
            _update_device(user, report, results, held)
            db.session.commit()  # durable (WAL + synchronous=FULL) before we answer
            break
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)
        except (BatchError, DeviceRefused):
            db.session.rollback()
            raise
    return {"server_time": utcnow().isoformat(), "results": results,
            "held": {"device_id": device_id, "ranges": held}}
