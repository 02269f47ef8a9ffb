"""The server side of POST /api/v1/sync: validate each record, store the good ones in one
durable transaction, answer per record, and say which sequence numbers the server holds."""
import time

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..database import utcnow
from ..extensions import db
from ..models import Device, SyncProblem, User
from . import protocol
from .registry import RECORD_TYPES, SEQUENCED_MODELS, validate

# Concurrent batches (two tabs, two workers) can collide on the same ids: the loser retries
# and then finds the winner's rows, answering "duplicate".
ATTEMPTS = 5


class BatchError(ValueError):
    """The request as a whole is malformed (not one record of it is looked at)."""

    def __init__(self, errors: dict):
        super().__init__("malformed sync request")
        self.errors = errors


def held_ranges(device_id: str) -> list[list[int]]:
    """The sequence numbers of this device the server has stored, as ranges."""
    seqs = []
    for model in SEQUENCED_MODELS:
        seqs += db.session.scalars(select(model.seq).where(model.device_id == device_id)).all()
    return protocol.seq_ranges(seqs)


def _seq_taken_by_other(device_id: str, seq: int, record_id: str) -> bool:
    for model in SEQUENCED_MODELS:
        owner = db.session.scalar(select(model.id).where(model.device_id == device_id,
                                                         model.seq == seq))
        if owner is not None and owner != record_id:
            return True
    return False


def _note_problem(user: User, env: dict, status: str, errors: dict) -> None:
    problem = db.session.scalar(select(SyncProblem).where(
        SyncProblem.device_id == env["device_id"], SyncProblem.seq == env["seq"]))
    if problem is None:
        problem = SyncProblem(device_id=env["device_id"], seq=env["seq"])
        db.session.add(problem)
    problem.record_id, problem.record_type = env["id"], env["type"]
    problem.status, problem.errors, problem.user_id, problem.at = status, errors, user.id, utcnow()


def _process_record(user: User, device_id: str, raw) -> dict:
    """One record's answer; stores it (in the open transaction) when it is good."""
    env, errors = protocol.parse_envelope(raw, device_id, RECORD_TYPES)
    if env is None:
        # Echo id and seq only when they are well formed: the device matches answers by id,
        # and a wild seq must not reach the device registry.
        raw = raw if isinstance(raw, dict) else {}
        return {"status": "rejected", "errors": errors, "id": protocol.parse_uuid(raw.get("id")),
                "seq": None if "seq" in errors else raw.get("seq")}
    answer = {"id": env["id"], "seq": env["seq"]}
    record_type = RECORD_TYPES[env["type"]]
    if not user.can(record_type.permission):
        errors = {"type": ["Your role may not send records of this type."]}
    elif env["author"] and env["author"] != user.username:
        errors = {"author": ["This record belongs to another user; sign in as its author."]}
    elif _seq_taken_by_other(device_id, env["seq"], env["id"]):
        _note_problem(user, env, "conflict", {"seq": ["used by another record"]})
        return {**answer, "status": "conflict",
                "errors": {"seq": ["This sequence number is used by another record."]}}
    else:
        clean, errors = validate(record_type, env["data"])
    if errors:
        _note_problem(user, env, "rejected", errors)
        return {**answer, "status": "rejected", "errors": errors}
    status, stored = record_type.store(clean, record_id=env["id"], device_id=device_id,
                                       seq=env["seq"], recorded_at=env["created_at"],
                                       officer=user)
    if status == "conflict":
        _note_problem(user, env, "conflict", {"id": ["stored with other content"]})
        return {**answer, "status": "conflict",
                "errors": {"id": ["A record with this id was stored with other content."]}}
    db.session.execute(delete(SyncProblem).where(SyncProblem.device_id == device_id,
                                                 SyncProblem.seq == env["seq"]))
    db.session.flush()
    return {**answer, "status": status,
            "receipt": {"id": stored.id, "type": env["type"],
                        "received_at": stored.received_at.isoformat()}}


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


def process_batch(user: User, body) -> dict:
    """Handle one sync request; raises BatchError when it is malformed as a whole."""
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
    for attempt in range(ATTEMPTS):
        try:
            results = [_process_record(user, report["id"], raw) for raw in records]
            held = held_ranges(report["id"])
            _update_device(user, report, results, held)
            db.session.commit()  # durable (WAL + synchronous=FULL) before we answer
            break
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)
    return {"server_time": utcnow().isoformat(), "results": results,
            "held": {"device_id": report["id"], "ranges": held}}
