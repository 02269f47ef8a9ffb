"""What the device repairs by itself, and what the person corrects on it, in real Chromium
against gunicorn: a server restored from an older backup gets back a sighting, its photo and
its follow-ups; records refused by the server are corrected on the phone and accepted; a
server back from an outage gets the day's visits within seconds, no button pressed."""
import hashlib
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Photo, Sighting, SightingUpdate, Visit
from pwa.sync import protocol
from tests.e2e.harness import (device_photo_hashes, outbox_records, patch_sealed,
                               record_visit, sign_in, wait_for_worker, wait_until)
from tests.functional.test_field import png
from tests.helpers import PASSWORD

FIELD_MODELS = (Photo, Sighting, SightingUpdate)


def count(observer, model) -> int:
    with observer.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def take_backup(app, observer, folder: Path):
    """SQLite: a copy of the file; PostgreSQL: the ids of the field rows (restored by deleting
    the rows made since)."""
    if _dialect(app) == "postgresql":
        with observer.app_context():
            return {m: set(db.session.scalars(sa.select(m.id))) for m in FIELD_MODELS}
    target = folder / "backup.sqlite"
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def restore_backup(app, observer, backup) -> None:
    """The database as the backup had it; the server must be stopped."""
    if isinstance(backup, dict):
        with observer.app_context():
            for model in (SightingUpdate, Sighting, Photo):
                db.session.execute(sa.delete(model).where(model.id.not_in(backup[model] or {""})))
            db.session.commit()
        return
    for instance in (app, observer):
        with instance.app_context():
            db.engine.dispose()
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    for suffix in ("-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def _save(page):
    before = page.evaluate("document.querySelector('#save-status .what').textContent")
    page.click("#field-form button.primary")
    page.wait_for_function(
        "(b) => document.querySelector('#save-status .what').textContent !== b", arg=before)


def phone(open_browser, base):
    context = open_browser(phone=True)
    page = context.new_page()
    sign_in(page, base, "member", PASSWORD)
    page.goto(f"{base}/field/sightings/new")
    wait_for_worker(page)
    return context, page


def record_sighting(page, base, people="12", photo=False):
    page.goto(f"{base}/field/sightings/new")
    page.select_option("#site", "TCD-TW")
    page.fill("#people_count", people)
    if photo:
        page.set_input_files("#photo-input", [
            {"name": "a.png", "mimeType": "image/png", "buffer": png(900, 600, shade=30)}])
        wait_until(lambda: page.locator("#photo-thumbs li").count() == 1, page=page,
                   message="a thumbnail")
    _save(page)
    return max(outbox_records(page), key=lambda r: r["seq"])["id"]


def record_follow_up(page, base, sighting_id, people="8"):
    page.goto(f"{base}/field/updates/new?sighting={sighting_id}")
    page.fill("#people_count", people)
    page.select_option("#action", "persuaded")
    _save(page)
    return max(outbox_records(page), key=lambda r: r["seq"])["id"]


def all_sent(page, n) -> bool:
    records = outbox_records(page)
    return len(records) == n and {r["state"] for r in records} == {"sent"}


def test_a_restore_from_an_older_backup_gets_the_sighting_its_photo_and_follow_ups_again(
        server, open_browser, observer, app, tmp_path):
    """Given a backup taken before a phone reported a crowd (one photo, two follow-ups) and
    synced it,
    When the server is restored from that backup,
    Then the phone sends everything again by itself (no button): the database ends with the
    sighting, both follow-ups and the photo with equal hash, and nothing is left refused."""
    context, page = phone(open_browser, server.url)
    backup = take_backup(app, observer, tmp_path)     # signed in, nothing reported yet
    sighting_id = record_sighting(page, server.url, photo=True)
    record_follow_up(page, server.url, sighting_id, "8")
    record_follow_up(page, server.url, sighting_id, "6")
    wait_until(lambda: all_sent(page, 3), page=page, message="3 sent before the restore")
    hashes = device_photo_hashes(page, server.instance_path)
    assert len(hashes) == 1 and count(observer, Sighting) == 1

    server.stop()
    restore_backup(app, observer, backup)
    assert count(observer, Sighting) == 0 and count(observer, Photo) == 0
    server.start()

    page.goto(f"{server.url}/field")            # the person opens the app; nothing is pressed
    wait_until(lambda: count(observer, SightingUpdate) == 2, timeout=60, page=page,
               message="everything sent again")
    wait_until(lambda: all_sent(page, 3), page=page, message="3 shown sent")
    with observer.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sighting)) == 1
        photos = db.session.scalars(sa.select(Photo)).all()
        assert {p.id: hashlib.sha256(p.data).hexdigest() for p in photos} == hashes
        assert db.session.get(Sighting, sighting_id).photo_ids == list(hashes)
    assert not [r for r in outbox_records(page) if r["state"] in ("rejected", "conflict")]


def test_a_refused_sighting_and_follow_up_are_corrected_on_the_phone(server, open_browser,
                                                                       observer):
    """Given a sighting and its follow-up saved offline with data the server refuses (as an
    older app version might have let through),
    When the phone syncs, both are refused; the person opens each from My reports, corrects it
    and saves,
    Then both are accepted under their own ids and the database holds one of each."""
    context, page = phone(open_browser, server.url)
    server.stop()
    sighting_id = record_sighting(page, server.url)
    update_id = record_follow_up(page, server.url, sighting_id)
    patch_sealed(page, server.instance_path, sighting_id, {"people_count": 0})
    patch_sealed(page, server.instance_path, update_id, {"at": "31/02/2021 10:00"})
    server.start()

    page.goto(f"{server.url}/field")
    refused = page.locator("#reports li.record[data-state=rejected]")
    wait_until(lambda: refused.count() == 2, timeout=40, page=page, message="both refused")
    assert count(observer, Sighting) == 0

    page.click(f"#reports li[data-type=sighting] > a.fix")
    page.wait_for_url(f"**/field/sightings/new?correct={sighting_id}")
    wait_until(lambda: page.input_value("#people_count") == "0", page=page,
               message="the refused sighting loaded")
    page.fill("#people_count", "15")
    _save(page)
    wait_until(lambda: page.get_attribute("#save-status", "data-state") == "sent", page=page,
               message="the corrected sighting sent")

    page.goto(f"{server.url}/field")
    fix = page.locator("#reports li[data-type=sighting_update] a.fix")
    fix.wait_for()
    assert fix.get_attribute("href") == f"/field/updates/new?correct={update_id}"
    fix.click()
    wait_until(lambda: page.input_value("#at") == "31/02/2021 10:00", page=page,
               message="the refused follow-up loaded")
    page.fill("#at", "21/10/2021 10:00")
    _save(page)
    wait_until(lambda: page.get_attribute("#save-status", "data-state") == "sent", page=page,
               message="the corrected follow-up sent")

    records = {r["id"]: r for r in outbox_records(page)}
    assert set(records) == {sighting_id, update_id}
    assert {r["state"] for r in records.values()} == {"sent"}
    with observer.app_context():
        assert db.session.get(Sighting, sighting_id).latest_count == 8
        assert db.session.get(SightingUpdate, update_id) is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SightingUpdate)) == 1


def test_visits_saved_during_an_outage_reach_the_server_within_seconds_of_its_return(
        server, open_browser, observer):
    """Given 25 visits saved while the server is down (navigator.onLine stays true),
    When the server starts again and the page is left open,
    Then all 25 are on the server within 30 s, no button pressed."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    server.stop()
    for i in range(25):
        record_visit(page, f"Công dân lúc mất điện {i}")
    assert page.evaluate("navigator.onLine") is True
    state = page.evaluate("async () => (await import('/static/js/outbox.js')).getMeta('sync')")
    assert state["failures"] <= 2, state           # the saves did not grow the backoff

    server.start()
    wait_until(lambda: count(observer, Visit) == 25, timeout=30, page=page,
               message="25 visits on the server")


SPEC = """async (cases) => {
    const sync = await import('/static/js/sync.js');
    return {
        backoff: cases.backoff.map(([n, j]) => sync.backoffSeconds(n, j)),
        page: cases.backoff.map(([n, j]) => sync.backoffSeconds(n, j, sync.BACKOFF_CAP_SECONDS.page)),
        ranges: cases.ranges.map(([seq, ranges]) => sync.inRanges(seq, ranges)),
    };
}"""


def test_the_device_rules_follow_the_protocol_module(server, open_browser):
    """The backoff and held-range rules the device runs are the ones pwa/sync/protocol.py
    states (its functions are the specification, checked here in Chromium)."""
    page = open_browser().new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    cases = {"backoff": [[n, j] for n in range(0, 14) for j in (0.0, 0.5, 0.99)],
             "ranges": [[seq, ranges] for seq in (0, 1, 3, 4, 7, 9, 10)
                        for ranges in ([], [[1, 3]], [[1, 3], [7, 9]])]}
    got = page.evaluate(SPEC, cases)
    assert got["backoff"] == [protocol.backoff_seconds(n, j) for n, j in cases["backoff"]]
    assert got["ranges"] == [protocol.in_ranges(seq, r) for seq, r in cases["ranges"]]
    # An open page waits at most a minute (the worker's Background Sync keeps the 5 minutes).
    assert max(got["page"]) <= 60 * 1.5 and max(got["backoff"]) > 60 * 1.5
