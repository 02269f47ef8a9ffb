"""Issue 8's Done-when: for each problem code a device can really meet, the text the device
shows (the sync answer's message, which describe.js shows as is, and the same code in GET
/api/v1/record-types' problems table that it falls back on) is the text the leader's status
page shows for that record — in Vietnamese, one test per code.

Codes the device cannot produce are left out: type_unknown (the device knows the registry's
types), seq_range / created_at_range / id_format / record_format / data_format /
author_format / device_mismatch (the device builds its envelopes itself) and internal (an
unexpected server error)."""
import copy
import uuid

import pytest
import webtest

from pwa.api.openapi import EXAMPLES
from tests.helpers import csrf_token, device_secret, login

VI = {"Accept-Language": "vi"}


def _record(kind, author, device, seq, **data):
    rec = copy.deepcopy(EXAMPLES[kind])
    rec.update(id=str(uuid.uuid4()), device_id=device, seq=seq, author=author)
    rec["data"].update(data)
    return rec


def _sync(client, device, records):
    body = {"device": {"id": device, "secret": device_secret(device), "label": "Máy thử",
                       "app_version": "test", "clock": "2026-11-26T01:00:00Z",
                       "outbox_depth": 0, "oldest_pending": None},
            "records": records}
    headers = {"X-CSRFToken": csrf_token(client), **VI}
    return client.post_json("/api/v1/sync", body, headers=headers).json


def _seq_taken(send, device):
    send("desk", device, [_record("visit", "desk", device, 1)])
    return "desk", send("desk", device, [_record("visit", "desk", device, 1)])


def _id_taken(send, device):
    first = _record("visit", "desk", str(uuid.uuid4()), 1)
    send("desk", first["device_id"], [first])
    again = _record("visit", "desk", device, 1)
    again["id"] = first["id"]
    return "desk", send("desk", device, [again])


def _content_changed(send, device):
    rec = _record("visit", "desk", device, 1)
    send("desk", device, [rec])
    changed = copy.deepcopy(rec)
    changed["data"]["content"] = "Nội dung khác hẳn"
    return "desk", send("desk", device, [changed])


CASES = {
    "seq_taken": _seq_taken,
    "id_taken": _id_taken,
    "content_changed": _content_changed,
    # A desk officer's device holding a crowd report (a shared tablet, a changed role).
    "type_not_permitted": lambda send, d: ("desk", send("desk", d, [
        _record("sighting", "desk", d, 1)])),
    "not_author": lambda send, d: ("desk", send("desk", d, [_record("visit", "member", d, 1)])),
    "invalid": lambda send, d: ("desk", send("desk", d, [
        _record("visit", "desk", d, 1, id_number="123")])),
    "text_invalid": lambda send, d: ("desk", send("desk", d, [
        _record("visit", "desk", d, 1, content="a\x07b")])),
    "photo_missing": lambda send, d: ("member", send("member", d, [_record(
        "sighting", "member", d, 1, photos=[str(uuid.uuid4())])])),
    "sighting_unknown": lambda send, d: ("member", send("member", d, [_record(
        "sighting_update", "member", d, 1, sighting=str(uuid.uuid4()))])),
}


@pytest.fixture
def clients(app):
    made = {}

    def get(role):
        if role not in made:
            made[role] = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.1"})
            login(made[role], role)
        return made[role]
    return get


def test_every_code_the_device_can_meet_is_in_the_table():
    from pwa.sync.problems import PROBLEMS
    assert set(CASES) <= set(PROBLEMS)


@pytest.mark.parametrize("code", sorted(CASES))
def test_the_device_and_the_status_page_say_the_same(code, clients, ctx):
    device = str(uuid.uuid4())
    _, answer = CASES[code](lambda role, d, records: _sync(clients(role), d, records), device)
    result = answer["results"][-1]
    assert result["status"] in ("rejected", "conflict")
    items = [item for field in result["errors"].values() for item in field]
    shown = [item["message"] for item in items if item["code"] == code]
    assert shown, result["errors"]
    # What the device falls back on for this code (cached document) is the same text.
    table = clients("leader").get("/api/v1/record-types", headers=VI).json["problems"]
    if code != "invalid":          # an invalid record carries the form's own message
        assert shown == [table[code]]
    # The device shows Vietnamese: not the English source text.
    if code != "invalid":
        from flask_babel import force_locale

        from pwa.sync.problems import PROBLEMS
        with force_locale("en"):
            assert str(PROBLEMS[code]) not in shown
    page = clients("leader").get("/status?all=1", headers=VI).html
    row = page.select_one(f'tr[data-device="{device}"]')
    assert row is not None
    messages = row.select_one("ul.problems").get_text(" ", strip=True)
    for text in shown:
        assert text in messages
