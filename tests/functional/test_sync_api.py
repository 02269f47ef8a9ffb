"""POST /api/v1/sync through WebTest with CSRF on: per-record answers, durability of the good
ones beside bad ones, held sequence numbers, the device registry."""
import copy
import uuid

import pytest
import sqlalchemy as sa

from pwa.api.openapi import EXAMPLES
from pwa.extensions import db
from pwa.models import Device, SyncProblem, Visit
from tests.helpers import csrf_token, device_secret, login

DEVICE = str(uuid.uuid4())


def record(seq: int, device: str = DEVICE, **data) -> dict:
    example = copy.deepcopy(EXAMPLES["visit"])
    example.update(id=str(uuid.uuid4()), device_id=device, seq=seq, author="desk")
    example["data"].update(data)
    return example


def report(device: str = DEVICE, **fields) -> dict:
    return {"id": device, "secret": device_secret(device), "label": "Bàn tiếp dân 1",
            "app_version": "test",
            "clock": "2026-11-26T01:00:00Z", "outbox_depth": 0, "oldest_pending": None,
            **fields}


@pytest.fixture
def desk(client):
    login(client, "desk")
    return client


def sync(client, records, device=None, status=200, **report_fields):
    body = {"device": report(device or DEVICE, **report_fields), "records": records}
    return client.post_json("/api/v1/sync", body, headers={"X-CSRFToken": csrf_token(client)},
                            status=status)


def _count(model=Visit):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_good_record_is_accepted_with_a_receipt(desk, ctx):
    rec = record(1)
    answer = sync(desk, [rec]).json
    assert answer["results"][0]["status"] == "accepted"
    assert answer["results"][0]["receipt"]["id"] == rec["id"]
    assert answer["held"] == {"device_id": DEVICE, "ranges": [[1, 1]]}
    visit = db.session.get(Visit, rec["id"])
    assert visit.people_count == 7 and visit.representatives == ["Nguyễn Văn A", "Trần Văn B"]
    assert visit.officer.username == "desk" and visit.seq == 1 and visit.device_id == DEVICE


def test_sending_again_is_a_duplicate_and_stores_nothing_new(desk, ctx):
    rec = record(1)
    sync(desk, [rec])
    answer = sync(desk, [rec, rec]).json
    assert [r["status"] for r in answer["results"]] == ["duplicate", "duplicate"]
    assert _count() == 1


def test_same_id_with_other_content_is_a_conflict(desk, ctx):
    rec = record(1)
    sync(desk, [rec])
    changed = copy.deepcopy(rec)
    changed["data"]["content"] = "Nội dung khác"
    result = sync(desk, [changed]).json["results"][0]
    assert result["status"] == "conflict" and "id" in result["errors"]
    assert db.session.get(Visit, rec["id"]).content.startswith("Khiếu nại")


def test_a_reused_sequence_number_is_a_conflict(desk, ctx):
    sync(desk, [record(1)])
    result = sync(desk, [record(1)]).json["results"][0]
    assert result["status"] == "conflict" and "seq" in result["errors"]
    assert _count() == 1


def test_a_bad_record_never_blocks_the_good_ones_beside_it(desk, ctx):
    good1, bad, good2 = record(1), record(2, people_count=0), record(3)
    answer = sync(desk, [good1, bad, good2]).json
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected", "accepted"]
    assert "people_count" in answer["results"][1]["errors"]
    assert _count() == 2
    assert answer["held"]["ranges"] == [[1, 1], [3, 3]]
    problem = db.session.scalar(sa.select(SyncProblem))
    assert (problem.seq, problem.status) == (2, "rejected")


def test_a_corrected_record_is_accepted_and_its_problem_cleared(desk, ctx):
    bad = record(1, people_count=0)
    sync(desk, [bad])
    bad["data"]["people_count"] = 1
    bad["data"]["representatives"] = []
    assert sync(desk, [bad]).json["results"][0]["status"] == "accepted"
    assert _count(SyncProblem) == 0


@pytest.mark.parametrize("data,field", [
    ({"people_count": 7, "representatives": []}, "representatives"),
    ({"id_number": "123"}, "id_number"),
    ({"kinds": []}, "kinds"),
    ({"kinds": ["nonsense"]}, "kinds"),
    ({"received_on": "31/02/2021"}, "received_on"),
    ({"direction": "tu_choi"}, "refusal_reason"),
    ({"commune": "99999"}, "commune"),
])
def test_json_records_follow_the_html_forms_rules(desk, ctx, data, field):
    result = sync(desk, [record(1, **data)]).json["results"][0]
    assert result["status"] == "rejected" and field in result["errors"]
    assert _count() == 0


def test_a_record_of_another_author_is_rejected(desk, ctx):
    rec = record(1)
    rec["author"] = "member"
    result = sync(desk, [rec]).json["results"][0]
    assert result["status"] == "rejected" and "author" in result["errors"]


def test_a_record_for_another_device_is_rejected(desk, ctx):
    rec = record(1, device=str(uuid.uuid4()))
    assert sync(desk, [rec]).json["results"][0]["status"] == "rejected"


@pytest.mark.parametrize("body", [
    [], "text", {"records": []}, {"device": {"id": "nope"}, "records": []},
    {"device": report(), "records": {}}, {"device": report(), "records": [{}] * 201},
])
def test_a_malformed_request_gets_400_and_stores_nothing(desk, ctx, body):
    response = desk.post_json("/api/v1/sync", body, headers={"X-CSRFToken": csrf_token(desk)},
                              status=400)
    assert response.json["error"] == "bad_request" and response.json["errors"]
    assert _count() == 0 and _count(Device) == 0


def test_without_csrf_token_nothing_is_stored(desk, ctx):
    response = desk.post_json("/api/v1/sync", {"device": report(), "records": [record(1)]},
                              status=400)
    assert response.json["error"] == "csrf"
    assert _count() == 0


def test_without_sign_in_the_answer_is_401(client, ctx):
    response = client.post_json("/api/v1/sync", {"device": report(), "records": []}, status=401)
    assert response.json["error"] == "unauthorized"


def test_a_viewer_may_not_sync(client, ctx):
    login(client, "viewer")
    sync(client, [record(1)], status=403)
    assert _count() == 0


def test_each_sync_updates_the_device_registry(desk, ctx):
    sync(desk, [record(1), record(2)], outbox_depth=3,
         oldest_pending="2026-11-26T00:00:00Z", clock="2026-11-26T01:00:00Z")
    device = db.session.get(Device, DEVICE)
    assert device.label == "Bàn tiếp dân 1" and device.user.username == "desk"
    assert device.app_version == "test" and device.highest_seq == 2
    assert device.outbox_depth == 1  # 3 reported pending, 2 of them stored now
    assert device.oldest_pending is not None and device.last_sync is not None
    assert abs(device.clock_skew_seconds) > 0
    sync(desk, [record(3, people_count=0)], outbox_depth=1)
    db.session.refresh(device)
    assert device.rejected_count == 1 and device.outbox_depth == 1 and device.highest_seq == 3


def test_an_empty_batch_reports_what_the_server_holds(desk, ctx):
    sync(desk, [record(1), record(2), record(4)])
    assert sync(desk, []).json["held"]["ranges"] == [[1, 2], [4, 4]]


def test_a_sealed_denunciation_arrives_sealed(desk, ctx):
    rec = record(1, kinds=["to_cao"], subject_area="tham_nhung", people_count=1,
                 representatives=[])
    assert sync(desk, [rec]).json["results"][0]["status"] == "accepted"
    visit = db.session.get(Visit, rec["id"])
    assert visit.sealed and visit.citizen_name == "" and visit.identity.citizen_name


def test_every_openapi_example_is_a_valid_record(client):
    """The examples, sent as they stand (in order, a sighting before its follow-up), are all
    accepted; every record type has one."""
    login(client, "leader")
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    examples = [schemas[f"{name}_record"]["examples"][0] for name in
                ("visit", "sighting", "sighting_update")]
    assert {e["type"] for e in examples} == set(EXAMPLES)
    device = examples[0]["device_id"]
    records = [{**e, "author": "leader"} for e in examples]
    answer = sync(client, records, device=device).json
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 3
    for example in examples:
        data_schema = schemas[f"{example['type']}_record"]["properties"]["data"]
        assert set(example["data"]) <= set(data_schema["properties"])


def test_manifest_and_worker_are_public_and_fit_for_installation(client):
    manifest = client.get("/manifest.webmanifest").json
    assert manifest["lang"] == "vi" and manifest["display"] == "standalone"
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"}
    assert any(i["purpose"] == "maskable" for i in manifest["icons"])
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).content_type == "image/png"
    worker = client.get("/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in worker.headers["Cache-Control"]
    assert "__APP_VERSION__" not in worker.text


def test_every_file_the_worker_precaches_exists(as_role):
    import re
    client = as_role("leader")
    source = client.get("/sw.js").text
    urls = re.findall(r"'(/[^']*)'", source.split("async function precache")[0])
    assert "/visits/new" in urls and "/static/css/app.css" in urls
    for url in urls:
        assert client.get(url, expect_errors=True).status_int == 200, url


def test_every_module_a_cached_script_imports_is_cached_too(as_role):
    """Offline, a page's script can only import what the worker keeps: a module missing from
    the precache list would break the offline form."""
    import re
    from pathlib import Path
    source = as_role("leader").get("/sw.js").text
    cached = set(re.findall(r"'(/static/js/[^']+)'", source))
    root = Path(__file__).resolve().parents[2]
    for script in cached:
        text = (root / script.lstrip("/")).read_text()
        for target in re.findall(r"""(?:from|import\()\s*['"]\./([\w-]+\.js)['"]""", text):
            assert f"/static/js/{target}" in cached, f"{script} imports {target}"
