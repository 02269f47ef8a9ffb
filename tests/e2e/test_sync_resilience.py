"""The sync protocol under the failures it exists for, in real headless Chromium against a real
gunicorn (2 workers): a lost answer, an expired session, a bad record in a batch, an app update,
concurrent copies of one batch, and a restore from backup. Nothing is lost or stored twice."""
import json
import shutil
import sqlite3
import threading
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from pwa.api.openapi import EXAMPLES
from pwa.extensions import db
from pwa.models import UserSession, Visit
from tests.e2e.harness import (DroppingProxy, open_sealed, outbox_records, patch_sealed,
                               record_visit, sign_in, wait_for_worker, wait_until)
from tests.helpers import PASSWORD, device_secret

PENDING = {"queued", "sending", "waiting_signin"}
# The server's rule for groups, as a Vietnamese user reads it (Vietnamese is the default).
GROUP_RULE_VI = "Đoàn đông người (từ 5 người trở lên) phải cử người đại diện."


# --- helpers ---

def visit_ids(observer) -> list[str]:
    """Every visit id in the central database (a repeated id would show up twice)."""
    with observer.app_context():
        return sorted(db.session.scalars(sa.select(Visit.id)).all())


def revoke_sessions(observer) -> None:
    """Sign every browser out on the server side, as an expiry or an admin would."""
    with observer.app_context():
        db.session.execute(sa.delete(UserSession))
        db.session.commit()


def states(page) -> dict[str, str]:
    return {r["id"]: r["state"] for r in outbox_records(page)}


def open_app(open_browser, base: str, path: str = "/visits/new"):
    """A signed-in desk officer on `path`, the service worker in control."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, base, "desk", PASSWORD)
    page.goto(f"{base}{path}")
    wait_for_worker(page)
    return context, page


def wait_until_idle(page) -> None:
    """Until no flush runs or waits on this device (the app flushes under the Web Lock
    'tcd-flush'). A save during a flush is not sent by that flush, so tests that expect a save
    to be sent at once start from an idle device."""
    wait_until(lambda: not page.evaluate("""async () => {
        const { held, pending } = await navigator.locks.query();
        return [...held, ...pending].some((lock) => lock.name === 'tcd-flush'); }"""),
               message="no flush running")


def save_and_send(page, name: str, **fields) -> None:
    """Save a visit from an idle device and wait until the server has it."""
    wait_until_idle(page)
    record_visit(page, name, **fields)
    wait_until(lambda: page.get_attribute("#save-status", "data-state") == "sent",
               message=f"{name} sent")


def all_sent(page, ids) -> bool:
    current = states(page)
    return set(current) == set(ids) and set(current.values()) == {"sent"}


def results_of(raw_answer: bytes) -> dict[str, str]:
    """{record id: status} from a raw HTTP answer to POST /api/v1/sync."""
    body = json.loads(raw_answer.partition(b"\r\n\r\n")[2])
    return {r["id"]: r["status"] for r in body["results"]}


class HoldingProxy(DroppingProxy):
    """A DroppingProxy that, once it has dropped an answer, holds every later sync request
    until release(). Background Sync retries ~0.1 s after the failure; holding the retry lets
    the test see the state the lost answer left behind."""

    def __init__(self, target_port: int):
        super().__init__(target_port)
        self._released = threading.Event()

    def release(self):
        self._released.set()

    def _read_request(self, sock) -> bytes:
        request = DroppingProxy._read_request(sock)
        if request.startswith(b"POST /api/v1/sync") and self.dropped:
            self._released.wait(timeout=60)
        return request


# --- database backup and restore (SQLite file copy; PostgreSQL: the set of visit ids) ---

def _sqlite_path(app) -> str:
    return sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def take_backup(app, observer, folder: Path):
    if _dialect(app) == "postgresql":
        return set(visit_ids(observer))
    target = folder / "backup.sqlite"
    with closing(sqlite3.connect(_sqlite_path(app))) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def restore_backup(app, observer, backup) -> None:
    """Put the database back as the backup had it; the server must be stopped."""
    if isinstance(backup, set):
        with observer.app_context():
            db.session.execute(sa.delete(Visit).where(Visit.id.not_in(backup)))
            db.session.commit()
        return
    for instance in (app, observer):      # close every connection this process holds
        with instance.app_context():
            db.engine.dispose()
    path = _sqlite_path(app)
    for suffix in ("-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, path)


# --- tests ---

def test_a_lost_answer_is_retried_as_duplicate(server, open_browser, observer):
    """Given three visits saved while the device is offline,
    When the server commits their batch but the answer is lost on the way back,
    Then they stay pending on the device though the database has them, and after Sync now the
    server answers "duplicate" for each, the device shows them sent, and each is stored once."""
    proxy = HoldingProxy(server.port)
    try:
        context, page = open_app(open_browser, proxy.url)
        context.set_offline(True)
        for i in range(3):
            record_visit(page, f"Công dân mất trả lời {i}")
        ids = set(states(page))
        assert len(ids) == 3 and visit_ids(observer) == []

        proxy.drop_next_sync = True
        context.set_offline(False)          # the online event and Background Sync send them
        wait_until(lambda: proxy.dropped == 1, message="the answer was dropped")

        assert set(states(page).values()) <= PENDING
        assert visit_ids(observer) == sorted(ids)      # committed before the answer was lost

        proxy.release()
        page.goto(f"{proxy.url}/outbox")
        page.click("#sync-now")
        wait_until(lambda: page.text_content("#count-sent") == "3", message="3 sent")
        assert all_sent(page, ids)

        answers = [r for r in map(results_of, proxy.sync_answers) if ids & r.keys()]
        assert answers[0] == {i: "accepted" for i in ids}       # the lost answer
        later = {i: [r[i] for r in answers[1:] if i in r] for i in ids}
        assert all(s and set(s) == {"duplicate"} for s in later.values()), later
        assert visit_ids(observer) == sorted(ids)
    finally:
        proxy.release()
        proxy.close()


def test_records_wait_for_sign_in_when_the_session_expires(server, open_browser, observer):
    """Given two visits saved with the server down,
    When the session is revoked on the server and the device syncs,
    Then both wait for sign-in (shown so on /outbox) and nothing is stored;
    And after signing in again both are sent and stored exactly once."""
    context, page = open_app(open_browser, server.url)
    server.stop()
    for i in range(2):
        record_visit(page, f"Công dân chờ đăng nhập {i}")
    ids = set(states(page))
    revoke_sessions(observer)
    page.goto(f"{server.url}/outbox")      # the shell, from the worker's cache
    server.start()

    page.click("#sync-now")
    waiting = page.locator("#outbox-list li[data-state=waiting_signin]")
    wait_until(lambda: waiting.count() == 2, message="2 waiting for sign-in")
    assert page.text_content("#count-pending") == "2"
    assert set(states(page).values()) == {"waiting_signin"}
    assert visit_ids(observer) == []

    sign_in(page, server.url, "desk", PASSWORD)
    wait_until(lambda: all_sent(page, ids), message="2 sent after sign-in")
    assert visit_ids(observer) == sorted(ids)
    page.goto(f"{server.url}/outbox")
    wait_until(lambda: page.text_content("#count-sent") == "2", message="2 shown sent")
    assert page.text_content("#count-pending") == "0"


def test_a_bad_record_needs_attention_and_the_rest_of_its_batch_is_stored(
        server, open_browser, observer):
    """Given three visits saved with the server down, one a group of 7 naming no representative,
    When the server is back and the person syncs,
    Then two are sent and stored, and the group is shown as needing attention with the
    server's message; And after correcting it from the outbox it is sent under the same id."""
    context, page = open_app(open_browser, server.url)
    server.stop()
    record_visit(page, "Công dân một")
    # The device checks the group rule before saving now: the record is saved valid, then
    # loses its representatives as a record saved by an older app version could have.
    record_visit(page, "Đoàn bảy người", people_count=7, representatives="Nguyễn Văn A")
    record_visit(page, "Công dân ba")
    # The device keeps only ciphertext: the records in the order they were saved.
    names = ["Công dân một", "Đoàn bảy người", "Công dân ba"]
    saved = sorted(outbox_records(page), key=lambda r: r["seq"])
    by_name = {name: r["id"] for name, r in zip(names, saved, strict=True)}
    group = by_name["Đoàn bảy người"]
    assert open_sealed(page, server.instance_path, group)["citizen_name"] == "Đoàn bảy người"
    patch_sealed(page, server.instance_path, group, {"representatives": []})

    server.start()
    page.goto(f"{server.url}/outbox")
    page.click("#sync-now")
    wait_until(lambda: page.text_content("#count-sent") == "2", message="2 sent")
    wait_until(lambda: page.text_content("#count-attention") == "1", message="1 rejected")
    assert Counter(states(page).values()) == {"sent": 2, "rejected": 1}
    rejected = page.locator("#outbox-list li[data-state=rejected]")
    assert rejected.count() == 1
    assert GROUP_RULE_VI in rejected.locator(".error").text_content()
    assert visit_ids(observer) == sorted(set(by_name.values()) - {group})

    fix = rejected.locator("a")
    assert fix.get_attribute("href") == f"/visits/new?correct={group}"
    fix.click()
    wait_until(lambda: page.input_value("#citizen_name") == "Đoàn bảy người",
               message="the rejected record loaded into the form")
    page.fill("#representatives", "Nguyễn Văn A\nTrần Văn B")
    wait_until_idle(page)
    page.click("#visit-form button.primary")
    wait_until(lambda: page.get_attribute("#save-status", "data-state") == "sent",
               message="the corrected record sent")
    assert all_sent(page, by_name.values())
    assert visit_ids(observer) == sorted(by_name.values())


def test_an_app_update_keeps_pending_records(server, open_browser, observer):
    """Given version v1 of the app and three visits saved with the server down,
    When the server comes back as v2 (sessions revoked) and the person accepts the update,
    Then v2's worker controls the page with only v2's cache, all three are still pending,
    And after signing in they are stored exactly once."""
    server.stop()
    server.start(APP_VERSION="v1")
    context, page = open_app(open_browser, server.url)
    server.stop()
    for i in range(3):
        record_visit(page, f"Công dân cập nhật {i}")
    ids = set(states(page))
    revoke_sessions(observer)
    server.start(APP_VERSION="v2")

    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("#update-banner", state="visible")
    page.click("#update-banner button")
    page.wait_for_url(lambda url: "/login" in url)       # reloaded; the session is gone
    wait_until(lambda: (lambda keys: any("v2" in k for k in keys)
                        and not any("v1" in k for k in keys))(page.evaluate("caches.keys()")),
               message="v2's cache only")

    current = states(page)
    assert set(current) == ids and set(current.values()) <= PENDING
    sign_in(page, server.url, "desk", PASSWORD)
    wait_until(lambda: all_sent(page, ids), message="3 sent after sign-in")
    assert visit_ids(observer) == sorted(ids)


SEND_AT = """({ body, at, copies }) => {
  window.__answers = (async () => {
    const session = await (await fetch('/api/v1/session', { cache: 'no-store' })).json();
    while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, 1));
    return Promise.all(Array.from({ length: copies }, () => fetch('/api/v1/sync', {
      method: 'POST', cache: 'no-store', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': session.csrf_token },
    }).then(async (r) => ({ status: r.status, body: await r.json() }))));
  })();
}"""


def test_one_batch_sent_concurrently_is_stored_once(server, open_browser, observer):
    """Given one batch of 10 valid visits from one device,
    When two tabs each send it three times at the same instant (to both worker processes),
    Then every answer is 200, each record is "accepted" once and "duplicate" in the five other
    answers, and the database holds 10 rows."""
    context, first = open_app(open_browser, server.url, "/")
    second = context.new_page()
    second.goto(f"{server.url}/")
    device = str(uuid.uuid4())
    records = [{**EXAMPLES["visit"], "id": str(uuid.uuid4()), "device_id": device,
                "seq": seq, "author": "desk"} for seq in range(1, 11)]
    body = {"device": {"id": device, "secret": device_secret(device), "label": "Hai thẻ",
                       "app_version": "test",
                       "clock": "2021-10-21T02:16:00Z", "outbox_depth": 10,
                       "oldest_pending": "2021-10-21T02:15:00Z"},
            "records": records}

    at = first.evaluate("Date.now()") + 2000
    for page in (first, second):
        page.evaluate(SEND_AT, {"body": body, "at": at, "copies": 3})
    answers = first.evaluate("window.__answers") + second.evaluate("window.__answers")

    assert [a["status"] for a in answers] == [200] * 6
    ids = [r["id"] for r in records]
    for record_id in ids:
        statuses = Counter(next(r["status"] for r in a["body"]["results"] if r["id"] == record_id)
                           for a in answers)
        assert statuses == {"accepted": 1, "duplicate": 5}, (record_id, statuses)
    assert visit_ids(observer) == sorted(ids)


def test_a_restore_from_backup_is_refilled_by_the_device(server, open_browser, observer, app,
                                                          tmp_path):
    """Given two visits synced, a backup, then three more synced,
    When the server is restored from that backup and the device syncs,
    Then the device re-sends the three the server lacks: all five stored exactly once, and the
    device shows all five sent."""
    context, page = open_app(open_browser, server.url)
    for i in range(2):
        save_and_send(page, f"Trước sao lưu {i}")
    backup = take_backup(app, observer, tmp_path)
    for i in range(3):
        save_and_send(page, f"Sau sao lưu {i}")
    ids = set(states(page))
    assert len(ids) == 5 and all_sent(page, ids)
    assert visit_ids(observer) == sorted(ids)

    server.stop()
    restore_backup(app, observer, backup)
    assert len(visit_ids(observer)) == 2
    server.start()

    page.goto(f"{server.url}/outbox")
    page.click("#sync-now")
    wait_until(lambda: visit_ids(observer) == sorted(ids), message="all 5 stored again")
    wait_until(lambda: page.text_content("#count-sent") == "5", message="5 shown sent")
    assert all_sent(page, ids)
    assert visit_ids(observer) == sorted(ids)
