"""Issue 10's Done-when: the outbox page and "My reports" show no English and no raw keys
in the Vietnamese UI, in each record state. Rejections are the server's real answers; the
other states (and every notice the sync client leaves) are set in IndexedDB, with the line
to the server cut so that nothing moves while the pages are read."""
import copy
import re

from pwa.api.openapi import EXAMPLES
from tests.e2e.harness import outbox_records, sign_in, wait_until
from tests.helpers import PASSWORD

STATES = ["queued", "sending", "sent", "rejected", "conflict", "waiting_signin"]
NOTICES = ["resend", "dependency", "no_answer", "offline", "server_error"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RAW = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|TypeError|Failed to fetch|HTTP \d|undefined|null|NaN"
                 r"|\[object")
ENGLISH = re.compile(r"\b(the|server|records?|sent|queued|sending|rejected|conflict|waiting|"
                     r"sign|visit|sighting|follow-up|photos?|error|failed|offline|people|again|"
                     r"invalid|missing|unknown|type|field)\b", re.IGNORECASE)


def _data(kind, **change):
    data = copy.deepcopy(EXAMPLES[kind]["data"])
    data.update(change)
    return data


ADD = """async ([type, data]) => {
    const outbox = await import('/static/js/outbox.js');
    return (await outbox.addRecord(type, data, 'member')).id; }"""
PATCH = """async (changes) => {
    const outbox = await import('/static/js/outbox.js');
    await outbox.patchRecords(changes); }"""


def _problems_in(text: str) -> list[str]:
    text = UUID.sub("", text)
    return RAW.findall(text) + ENGLISH.findall(text)


def test_outbox_and_my_reports_speak_vietnamese_in_every_state(server, open_browser):
    context = open_browser("phone", phone=True, workers=False)
    page = context.new_page()
    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/field")
    wait_until(lambda: page.evaluate("""async () => (await (await import('/static/js/outbox.js'))
        .getMeta('user'))?.username""") == "member", page=page, message="the device knows its user")

    # Real refusals by the server: a visit with a bad CCCD, a crowd report with no head
    # count, a follow-up for a sighting the server does not know (a dependency, sent again
    # until the device gives up on it).
    rejected = [page.evaluate(ADD, ["visit", _data("visit", id_number="123")]),
                page.evaluate(ADD, ["sighting", _data("sighting", people_count=0)])]
    page.evaluate("async () => (await import('/static/js/runner.js')).syncNow(true)")
    wait_until(lambda: {r["id"]: r["state"] for r in outbox_records(page)} ==
               dict.fromkeys(rejected, "rejected"), page=page, message="refused by the server")

    # Cut the line (nothing moves from here on) and set every other state and notice.
    context.route("**/api/v1/session", lambda route: route.abort("connectionrefused"))
    context.route("**/api/v1/sync", lambda route: route.abort("connectionrefused"))
    types = page.evaluate("async () => (await (await fetch('/api/v1/record-types')).json())")
    problems = types["problems"]
    changes = []
    sightings = []
    for state in STATES:
        for kind in ("visit", "sighting"):
            record_id = page.evaluate(ADD, [kind, _data(kind)])
            if kind == "sighting":
                sightings.append(record_id)
            patch = {"state": state}
            if state == "sent":
                patch["receipt"] = {"id": record_id, "received_at": "2026-11-26T01:00:00Z"}
            if state == "conflict":
                patch["errors"] = {"id": [{"code": "content_changed", "params": {},
                                           "message": problems["content_changed"]}]}
            if state == "rejected":
                patch["errors"] = {"photos": [{"code": "photo_gone", "message": ""}],
                                   "type": [{"code": "type_not_permitted", "params": {},
                                             "message": problems["type_not_permitted"]}]}
            changes.append([record_id, patch])
    for notice in NOTICES:
        for kind in ("visit", "sighting"):
            changes.append([page.evaluate(ADD, [kind, _data(kind)]), {"last_error": notice}])
    for state in STATES:      # follow-ups of the first sighting, one in each state
        update = page.evaluate(ADD, ["sighting_update",
                                     _data("sighting_update", sighting=sightings[0])])
        changes.append([update, {"state": state}])
    page.evaluate(PATCH, changes)
    page.evaluate("""async () => { const o = await import('/static/js/outbox.js');
        await o.setMeta('sync', { failures: 3, lastError: 'offline',
                                  nextAttempt: Date.now() + 3e6 }); }""")
    shown = {r["state"] for r in outbox_records(page)}
    assert shown == set(STATES), shown

    page.goto(f"{server.url}/outbox")
    total = len(outbox_records(page))
    wait_until(lambda: page.locator("#outbox-list li.record").count() == total, page=page,
               message="every record listed")
    for state in STATES:
        assert page.locator(f"#outbox-list li[data-state={state}]").count() > 0, state
    found = _problems_in(page.inner_text("main"))
    assert found == [], found

    page.goto(f"{server.url}/field")
    wait_until(lambda: page.locator("#reports li.record").count() >= 2 * len(STATES), page=page,
               message="the reports listed")
    for state in STATES:
        assert page.locator(f"#reports li[data-state={state}]").count() > 0, state
    found = _problems_in(page.inner_text("main"))
    assert found == [], found
