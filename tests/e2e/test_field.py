"""Field members on phones (360 px, touch): sightings with photos and follow-ups survive a
dead server and a browser restart; the leader is alerted; the watch list reads offline."""
import hashlib

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Photo, Sighting, SightingUpdate, WatchEntry
from tests.e2e.harness import (device_photo_hashes, outbox_records, sign_in, wait_for_worker,
                               wait_until)
from tests.functional.test_field import png
from tests.helpers import PASSWORD


def _save(page):
    before = page.evaluate("document.querySelector('#save-status .what').textContent")
    page.click("#field-form button.primary")
    page.wait_for_function(
        "(b) => document.querySelector('#save-status .what').textContent !== b", arg=before)


def test_a_sighting_with_photos_and_follow_ups_arrives_once_after_restart(server, open_browser,
                                                                          observer):
    context = open_browser(phone=True)
    page = context.new_page()
    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/field/sightings/new")
    wait_for_worker(page)
    server.stop()

    page.select_option("#site", "TCD-TW")
    page.fill("#people_count", "12")
    page.check("input[name=communes][value='09079']")
    page.fill("#demands", "Đòi bồi thường đất")
    page.set_input_files("#photo-input", [
        {"name": "a.png", "mimeType": "image/png", "buffer": png(2000, 1200, shade=10)},
        {"name": "b.png", "mimeType": "image/png", "buffer": png(800, 600, shade=200)}])
    wait_until(lambda: page.locator("#photo-thumbs li").count() == 2, page=page,
               message="two thumbnails")
    _save(page)
    sighting_id = next(r["id"] for r in outbox_records(page) if r["seq"] == 1)

    page.goto(f"{server.url}/field/updates/new?sighting={sighting_id}")
    page.fill("#people_count", "8")
    page.select_option("#action", "persuaded")
    _save(page)
    page.goto(f"{server.url}/field/updates/new?sighting={sighting_id}")
    page.select_option("#action", "returned_commune")
    page.check("#closed")
    _save(page)
    device_hashes = device_photo_hashes(page, server.instance_path)
    assert len(device_hashes) == 2

    context.close()
    context = open_browser(phone=True)
    page = context.new_page()
    page.goto(f"{server.url}/field")
    wait_until(lambda: page.locator("#reports li.record[data-type=sighting]").count() == 1,
               page=page, message="the sighting listed after the restart")
    assert len(outbox_records(page)) == 3

    server.start()
    page.goto(f"{server.url}/outbox")
    page.tap("#sync-now")
    wait_until(lambda: page.text_content("#count-sent") == "3", timeout=30, page=page,
               message="3 sent")
    with observer.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Sighting)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SightingUpdate)) == 2
        row = db.session.get(Sighting, sighting_id)
        assert row.latest_count == 8 and row.closed and row.flagged
        photos = db.session.scalars(sa.select(Photo)).all()
        assert {p.id: hashlib.sha256(p.data).hexdigest() for p in photos} == device_hashes
        assert sorted(row.photo_ids) == sorted(device_hashes)


def test_the_leader_sees_an_alert_for_a_large_crowd_within_seconds(server, open_browser):
    leader = open_browser("leader").new_page()
    sign_in(leader, server.url, "leader", PASSWORD)
    assert not leader.is_visible("#alert-banner")

    phone = open_browser("member", phone=True).new_page()
    sign_in(phone, server.url, "member", PASSWORD)
    phone.goto(f"{server.url}/field/sightings/new")
    phone.select_option("#site", "TCD-TW")
    phone.fill("#people_count", "12")
    _save(phone)
    wait_until(lambda: phone.get_attribute("#save-status", "data-state") == "sent", page=phone,
               message="sighting sent")

    leader.wait_for_selector("#alert-banner:not([hidden])", timeout=15_000)
    text = leader.text_content("#alert-list")
    assert "12" in text and "Trung ương" in text


def test_the_watch_list_reads_offline_after_one_visit(server, open_browser, observer):
    with observer.app_context():
        db.session.add(WatchEntry(kind="group", name="Đoàn thôn Đông", risk="high",
                                  demands="Bồi thường"))
        db.session.commit()
    page = open_browser(phone=True).new_page()
    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/watch")
    wait_for_worker(page)
    page.wait_for_selector("#watch-list li[data-risk=high]")
    server.stop()
    page.reload()
    page.wait_for_selector("#watch-list li[data-risk=high]")
    assert "Đoàn thôn Đông" in page.text_content("#watch-list")
    page.goto(f"{server.url}/field/sightings/new")
    assert page.locator("#watch_entry option", has_text="Đoàn thôn Đông").count() == 1
