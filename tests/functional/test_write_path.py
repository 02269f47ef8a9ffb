"""One write path with its audit (issue 8.3), problem codes (8.4), the confirmation oracle
closed (9.2), device secrets and sequence bounds (9.5), and a sync that no record can fail
(9.8): through the real endpoints, CSRF on."""
import copy
import uuid

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import AuditEntry, Device, Photo, Sighting, User, Visit
from pwa.sync import problems
from pwa.sync.protocol import MAX_SEQ
from pwa.sync.registry import RECORD_TYPES
from tests.helpers import csrf_token, device_secret, login, submit_visit

DEVICE = str(uuid.uuid4())


def record(kind="visit", seq=1, device=DEVICE, author="desk", **data):
    rec = copy.deepcopy(RECORD_TYPES[kind].example)
    rec.update(id=str(uuid.uuid4()), device_id=device, seq=seq, author=author)
    rec["data"].update(data)
    return rec


def sync(client, records, device=DEVICE, secret=None, status=200, **report):
    body = {"device": {"id": device, "secret": secret or device_secret(device), **report},
            "records": records}
    return client.post_json("/api/v1/sync", body, headers={"X-CSRFToken": csrf_token(client)},
                            status=status)


def audits(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


# --- 8.3: one write path, one audit entry ---

def test_a_visit_through_sync_and_one_through_the_form_leave_the_same_audit_entry(client,
                                                                                    ctx):
    login(client, "desk")
    synced = record()
    assert sync(client, [synced]).json["results"][0]["status"] == "accepted"
    assert submit_visit(client).status_int == 302
    entries = audits("visit_created")
    assert len(entries) == 2
    by_form = next(e for e in entries if e.object_id != synced["id"])
    for entry in entries:
        assert entry.object_type == "visit" and entry.user_id == entries[0].user_id
        assert set(entry.detail) == {"device_id", "seq"}
        # no personal data in the log: the name and ID number stay in the register
        assert "Nguyễn" not in str(entry.detail) and "026085001234" not in str(entry.detail)
    assert db.session.get(Visit, by_form.object_id).device_id == by_form.detail["device_id"]
    # a duplicate is not audited again
    assert sync(client, [synced]).json["results"][0]["status"] == "duplicate"
    assert len(audits("visit_created")) == 2


def test_two_tabs_of_one_user_never_share_a_sequence_number(client, ctx):
    login(client, "desk")
    for _ in range(3):
        submit_visit(client)
    seqs = db.session.scalars(sa.select(Visit.seq).order_by(Visit.seq)).all()
    assert seqs == [1, 2, 3]


# --- 8.4: codes, translated in one table, the same on the status page ---

def _status_messages(client):
    login(client, "leader")
    report = client.get("/api/v1/status").json
    return [m for d in report["devices"] for p in d["problems"] for m in p["messages"]]


def _provoke(code, client):
    """Send what earns `code` as the desk (or member) would; the record's answer."""
    if code == "seq_taken":
        sync(client, [record(seq=1)])
        return sync(client, [record(seq=1)]).json["results"][0]
    if code == "content_changed":
        rec = record(seq=1)
        sync(client, [rec])
        return sync(client, [{**rec, "data": {**rec["data"], "notes": "khác"}}]).json[
            "results"][0]
    if code == "id_taken":
        rec = record(seq=1)
        sync(client, [rec])
        other = str(uuid.uuid4())
        return sync(client, [{**rec, "device_id": other, "seq": 1}], device=other).json[
            "results"][0]
    if code == "type_not_permitted":
        return sync(client, [record("sighting", author="desk")]).json["results"][0]
    if code == "not_author":
        return sync(client, [record(author="member")]).json["results"][0]
    if code == "invalid":
        return sync(client, [record(people_count=0)]).json["results"][0]


@pytest.mark.parametrize("code,field", [
    ("seq_taken", "seq"), ("content_changed", "id"), ("id_taken", "id"),
    ("type_not_permitted", "type"), ("not_author", "author"), ("invalid", "people_count")])
def test_each_code_reads_the_same_in_the_answer_and_on_the_status_page(app, client, ctx,
                                                                      code, field):
    login(client, "desk")
    result = _provoke(code, client)
    [item] = result["errors"][field]
    assert item["code"] == code
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        if code != "invalid":
            assert item["message"] == str(problems.PROBLEMS[code])
    client.reset()
    messages = _status_messages(client)
    assert any(m.endswith(item["message"]) for m in messages), (item, messages)


@pytest.mark.parametrize("code", ["photo_missing", "sighting_unknown"])
def test_each_dependency_code_reads_the_same_in_the_answer_and_on_the_status_page(
        client, ctx, code):
    login(client, "member")
    missing = str(uuid.uuid4())
    rec = (record("sighting", author="member", photos=[missing]) if code == "photo_missing"
           else record("sighting_update", author="member", sighting=str(uuid.uuid4())))
    result = sync(client, [rec]).json["results"][0]
    field = "photos" if code == "photo_missing" else "sighting"
    [item] = result["errors"][field]
    assert item["code"] == code
    if code == "photo_missing":
        assert item["params"] == {"ids": [missing]}
    client.reset()
    assert any(m.endswith(item["message"]) for m in _status_messages(client))


def test_the_device_gets_every_problem_text(client):
    login(client, "member")
    table = client.get("/api/v1/record-types").json["problems"]
    assert set(table) == set(problems.PROBLEMS)
    assert table["seq_taken"] == "Số thứ tự này của thiết bị đã được một bản ghi khác sử dụng."


# --- 9.2: the confirmation oracle ---

def _sealed_visit(client):
    login(client, "desk")
    rec = record(kinds=["to_cao"], subject_area="tham_nhung", people_count=1,
                 representatives=[])
    assert sync(client, [rec]).json["results"][0]["status"] == "accepted"
    client.reset()
    return rec


def test_a_guess_of_a_sealed_identity_answers_the_same_right_or_wrong_through_sync(client,
                                                                                   ctx):
    rec = _sealed_visit(client)
    login(client, "member")
    device = str(uuid.uuid4())
    right = {**rec, "device_id": device, "author": "member"}
    wrong = copy.deepcopy(right)
    wrong["data"]["citizen_name"] = "Người Khác"
    answers = []
    for guess in (right, wrong):
        result = sync(client, [guess], device=device).json["results"][0]
        answers.append({k: v for k, v in result.items()})
    assert answers[0] == answers[1]
    assert answers[0]["status"] == "conflict"
    assert answers[0]["errors"]["id"][0]["code"] == "id_taken"
    taken = audits("record_id_taken")
    assert len(taken) == 2 and all(e.object_id == rec["id"] for e in taken)
    assert db.session.get(Visit, rec["id"]).identity.citizen_name == "Nguyễn Văn A"


def test_a_guess_through_the_html_form_answers_the_same_right_or_wrong(client, ctx):
    rec = _sealed_visit(client)
    login(client, "member")
    pages = []
    for name in ("Nguyễn Văn A", "Người Khác"):
        page = client.get("/visits/new")
        form = page.forms["visit-form"]
        form["record_id"] = rec["id"]
        from tests.helpers import VALID_VISIT, fill
        fill(form, {**VALID_VISIT, "citizen_name": name, "kinds": ["to_cao"],
                    "subject_area": "tham_nhung"})
        answer = form.submit(status=400)
        # The form's own message (the page's other alerts are hidden banners).
        pages.append(" ".join(a.get_text(" ", strip=True)
                              for a in answer.html.select('[role="alert"]:not([hidden])')))
    assert pages[0] == pages[1]
    assert "Mã bản ghi này đã được một bản ghi khác sử dụng." in pages[0]
    assert len(audits("record_id_taken")) == 2


def test_the_html_forms_own_double_submission_is_still_harmless(client, ctx):
    login(client, "desk")
    page = client.get("/visits/new")
    from tests.helpers import VALID_VISIT, fill
    form = fill(page.forms["visit-form"], VALID_VISIT)
    assert form.submit().status_int == 302
    assert form.submit().status_int == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_stored_hashes_are_keyed_with_the_servers_secret(client, ctx):
    from pwa.facts import plain_hash
    login(client, "desk")
    rec = record()
    sync(client, [rec])
    visit = db.session.get(Visit, rec["id"])
    assert len(visit.content_hash) == 64
    from pwa.sync.registry import validate
    with client.app.test_request_context():
        clean, _ = validate(RECORD_TYPES["visit"], rec["data"])
    assert visit.content_hash != plain_hash(clean)


# --- 9.5: devices bound to their secret, sequence numbers bounded ---

def test_a_forged_device_id_is_refused_and_audited(client, ctx):
    login(client, "desk")
    sync(client, [record(seq=1)])
    assert db.session.get(Device, DEVICE).secret_hash
    client.reset()
    login(client, "member")
    answer = sync(client, [record("sighting", seq=2, author="member")], secret="ab" * 32,
                  status=403)
    assert answer.json["error"] == "device_secret"
    assert [e.object_id for e in audits("device_secret_refused")] == [DEVICE]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Sighting)) == 0
    db.session.expire_all()
    assert db.session.get(Device, DEVICE).user_id != db.session.scalar(
        sa.select(User.id).where(User.username == "member"))


def test_a_batch_without_a_secret_is_a_400(client, ctx):
    login(client, "desk")
    body = {"device": {"id": DEVICE}, "records": [record()]}
    answer = client.post_json("/api/v1/sync", body, status=400,
                              headers={"X-CSRFToken": csrf_token(client)})
    assert "secret" in answer.json["errors"]["device"]


def test_a_sequence_number_beyond_32_bits_is_rejected_with_its_code(client, ctx):
    login(client, "desk")
    [result] = sync(client, [record(seq=MAX_SEQ + 1)]).json["results"]
    assert result["status"] == "rejected" and result["errors"]["seq"][0]["code"] == "seq_range"
    assert sync(client, [record(seq=MAX_SEQ)]).json["results"][0]["status"] == "accepted"


def test_form_visits_still_work_after_a_record_at_the_last_sequence_number(app, client, ctx):
    from pwa.sync.service import accept, web_form_device
    login(client, "desk")
    assert submit_visit(client).status_int == 302
    desk = db.session.scalar(sa.select(User).where(User.username == "desk"))
    with app.test_request_context():
        device = web_form_device(desk)
        clean, _ = __import__("pwa.sync.registry", fromlist=["validate"]).validate(
            RECORD_TYPES["visit"], record()["data"])
        accept(RECORD_TYPES["visit"], clean, record_id=str(uuid.uuid4()), device_id=device,
               seq=MAX_SEQ, recorded_at=__import__("pwa.database").database.utcnow(),
               author=db.session.merge(desk))
        db.session.commit()
    assert submit_visit(client).status_int == 302
    seqs = db.session.scalars(sa.select(Visit.seq).where(Visit.device_id == device)
                              .order_by(Visit.seq)).all()
    assert seqs == [1, 2, MAX_SEQ]


def test_the_form_device_is_not_predictable_from_the_user_id(app):
    from pwa.sync.service import web_form_device
    with app.test_request_context():
        one, two = (web_form_device(User(id=n, username=f"u{n}", role="desk"))
                    for n in (1, 2))
    namespace = uuid.UUID("6f1d3c2a-3b7e-4c55-9a0e-7d2b1f6a9c10")
    assert one != two and one != str(uuid.uuid5(namespace, "user:1"))


# --- 9.8: no record fails the batch ---

MALFORMED = {
    "type_list": lambda r: {**r, "type": ["visit"]},
    "type_object": lambda r: {**r, "type": {"visit": 1}},
    "data_list": lambda r: {**r, "data": [1, 2]},
    "not_an_object": lambda r: "visit",
    "lone_surrogate": lambda r: {**r, "data": {**r["data"], "citizen_name": "Nguy\ud800n"}},
    "nul_byte": lambda r: {**r, "data": {**r["data"], "content": "a\x00b"}},
    "created_at_overflow": lambda r: {**r, "created_at": "0001-01-01T00:01:01+05:05"},
    "created_at_offset": lambda r: {**r, "created_at": "2021-10-21T02:15:00+23:59"},
    "created_at_year_9999": lambda r: {**r, "created_at": "9999-12-31T23:59:59+00:00"},
    "created_at_huge": lambda r: {**r, "created_at": "2021-10-21T02:15:00Z" * 1000},
    "seq_huge": lambda r: {**r, "seq": 10**30},
    "author_surrogate": lambda r: {**r, "author": "\udfff"},
    "deep_data": lambda r: {**r, "data": {**r["data"], "notes": [[[[[[[[[[["x"]]]]]]]]]]]}},
    "received_on_far": lambda r: {**r, "data": {**r["data"], "received_on": "9999-12-31"}},
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_record_is_rejected_alone_and_the_good_ones_are_stored(client, ctx, name):
    login(client, "desk")
    good_before, good_after = record(seq=1), record(seq=3)
    bad = MALFORMED[name](record(seq=2))
    answer = sync(client, [good_before, bad, good_after]).json["results"]
    assert [a["status"] for a in answer] == ["accepted", "rejected", "accepted"]
    assert all(isinstance(i, dict) and i["code"] and i["message"]
               for items in answer[1]["errors"].values() for i in items)
    assert db.session.get(Visit, good_before["id"]) and db.session.get(Visit, good_after["id"])


def test_an_unexpected_error_rejects_one_record_with_internal(app, client, ctx, monkeypatch):
    import dataclasses

    from pwa.sync import registry

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in one store function")
    visit = registry.RECORD_TYPES["visit"]
    monkeypatch.setitem(registry.RECORD_TYPES, "visit", dataclasses.replace(visit, store=broken))
    login(client, "member")
    good = record("sighting", seq=1, author="member")
    bad = record("visit", seq=2, author="member")
    answer = sync(client, [good, bad]).json["results"]
    assert [a["status"] for a in answer] == ["accepted", "rejected"]
    assert answer[1]["errors"]["record"][0]["code"] == "internal"
    assert db.session.get(Sighting, good["id"]) and not db.session.get(Visit, bad["id"])


@pytest.mark.parametrize("field,value", [
    ("oldest_pending", "0001-01-01T00:01:01+05:05"), ("clock", "0001-01-01T00:00:00-23:00"),
    ("clock", "2021-10-21T02:15:00+14:30"), ("label", "Bàn \ud800"), ("label", "a\x00b")])
def test_a_bad_device_report_is_a_clear_400(client, field, value):
    login(client, "desk")
    answer = sync(client, [], status=400, **{field: value})
    assert field in answer.json["errors"]["device"]


@pytest.mark.parametrize("since", ["0001-01-01T00:01:01+05:05", "9999-12-31T23:59:59-23:59",
                                   "2021-10-21T02:15:00Z" * 100])
def test_an_alerts_since_out_of_range_answers_from_today(client, since):
    """Like a first poll: the flagged sightings of today, not a 500."""
    login(client, "leader")
    assert client.get("/api/v1/alerts", {"since": since}).json["alerts"] == []


def test_an_alerts_since_with_a_lone_surrogate_is_a_400(client):
    login(client, "leader")
    client.get("/api/v1/alerts?since=%ED%A0%80", status=400)


def test_json_nested_thousands_deep_is_a_400(client):
    login(client, "desk")
    body = "[" * 30000 + "]" * 30000
    client.post("/api/v1/sync", body, content_type="application/json", status=400,
                headers={"X-CSRFToken": csrf_token(client)})


def test_a_photo_upload_is_audited(client, ctx):
    import hashlib
    import struct
    import zlib
    login(client, "member")
    raw = b"\x00\xff\x00\x00"
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
           + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0) + b"\x00" * 4
           + b"IDAT" + zlib.compress(raw))
    photo_id = str(uuid.uuid4())
    client.put(f"/api/v1/photos/{photo_id}", png, content_type="image/png",
               headers={"X-CSRFToken": csrf_token(client),
                        "X-Content-SHA256": hashlib.sha256(png).hexdigest()})
    assert db.session.get(Photo, photo_id)
    assert [e.object_id for e in audits("photo_uploaded")] == [photo_id]


# --- 8.5: the "other place" by its level, not the demo data's code ---

def test_an_other_place_of_any_code_shows_the_place_typed_in(client, ctx):
    from pwa.models import Site
    db.session.add(Site(code="NOI-KHAC-2", name="Nơi khác (đơn vị)", level="other"))
    db.session.commit()
    login(client, "member")
    rec = record("sighting", author="member", site="NOI-KHAC-2", place_text="Chợ Vĩnh Tường")
    assert sync(client, [rec]).json["results"][0]["status"] == "accepted"
    page = client.get(f"/field/sightings/{rec['id']}")
    assert "Chợ Vĩnh Tường" in page.html.select_one("h1").get_text()
