"""Field reports through the sync API and the photo upload: sightings, follow-ups, photos,
escalation, the watch list."""
import hashlib
import struct
import uuid
import zlib

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Photo, Sighting, SightingUpdate, WatchEntry, WatchEntryChange
from tests.helpers import csrf_token, device_secret, login

DEVICE = str(uuid.uuid4())


def png(width=4, height=3, shade=0) -> bytes:
    """A small valid PNG, made here."""
    raw = b"".join(b"\x00" + bytes([shade, 100, 200]) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def sighting(seq, **data):
    base = {"site": "TCD-TW", "place_text": "", "seen_at": "21/10/2021 09:30",
            "people_count": 12, "communes": ["09079", "09100"], "watch_entry": "",
            "demands": "Đòi bồi thường đất", "banners": "", "leaders": "Ông A",
            "police": "present", "notes": "", "photos": []}
    return {"type": "sighting", "id": str(uuid.uuid4()), "device_id": DEVICE, "seq": seq,
            "created_at": "2021-10-21T02:31:00Z", "author": "member",
            "data": {**base, **data}}


def update(seq, sighting_id, **data):
    base = {"sighting": sighting_id, "at": "21/10/2021 10:15", "people_count": 8,
            "action": "persuaded", "note": "Đã vận động", "photos": [], "closed": False}
    return {"type": "sighting_update", "id": str(uuid.uuid4()), "device_id": DEVICE,
            "seq": seq, "created_at": "2021-10-21T03:15:00Z", "author": "member",
            "data": {**base, **data}}


@pytest.fixture
def member(client):
    login(client, "member")
    return client


def sync(client, records):
    body = {"device": {"id": DEVICE, "secret": device_secret(DEVICE), "label": "Điện thoại 1"},
            "records": records}
    return client.post_json("/api/v1/sync", body,
                            headers={"X-CSRFToken": csrf_token(client)}).json["results"]


def put_photo(client, body, content_type="image/png", photo_id=None, sha=None, status="*"):
    photo_id = photo_id or str(uuid.uuid4())
    response = client.put(f"/api/v1/photos/{photo_id}", body, status=status, headers={
        "Content-Type": content_type, "X-CSRFToken": csrf_token(client),
        "X-Content-SHA256": sha if sha is not None else hashlib.sha256(body).hexdigest()})
    return photo_id, response


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_sighting_with_photos_and_follow_ups_is_stored_and_its_state_derived(member, ctx):
    p1, r1 = put_photo(member, png(shade=1))
    p2, r2 = put_photo(member, png(shade=2))
    assert r1.status_int == 201 and r1.json["status"] == "accepted"
    s = sighting(1, photos=[p1, p2])
    u1, u2 = update(2, s["id"]), update(3, s["id"], people_count=None, action="returned_commune",
                                          closed=True, at="21/10/2021 11:00")
    assert [r["status"] for r in sync(member, [s, u1, u2])] == ["accepted"] * 3
    row = db.session.get(Sighting, s["id"])
    assert row.photo_ids == [p1, p2] and row.people_count == 12
    assert (row.latest_count, row.previous_count) == (8, 12)
    assert row.last_action == "returned_commune" and row.closed
    assert row.flagged and row.flagged_at is not None
    assert row.seen_at.hour == 2 and row.seen_at.minute == 30   # 09:30 in Hà Nội is 02:30 UTC
    assert _count(SightingUpdate) == 2
    page = member.get(f"/field/sightings/{s['id']}")
    assert "Đã vận động" in page.text and f"/photos/{p1}" in page.text
    assert member.get(f"/photos/{p1}").body == png(shade=1)


def test_a_repeated_photo_upload_stores_it_once(member, ctx):
    body = png()
    photo_id, first = put_photo(member, body)
    _, again = put_photo(member, body, photo_id=photo_id)
    assert again.status_int == 200 and again.json["status"] == "duplicate"
    _, other = put_photo(member, png(shade=9), photo_id=photo_id)
    assert other.status_int == 409
    assert _count(Photo) == 1


@pytest.mark.parametrize("body,content_type,sha,status,field", [
    (b"%PDF-1.4 not an image", "application/pdf", None, 415, "content_type"),
    (b"GIF89a....", "image/png", None, 415, "content_type"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1536 * 1024), "image/png", None, 413, "size"),
    (png(), "image/png", "0" * 64, 400, "sha256"),
])
def test_a_bad_photo_is_refused_with_a_message_and_not_stored(member, ctx, body, content_type,
                                                              sha, status, field):
    _, response = put_photo(member, body, content_type=content_type, sha=sha)
    assert response.status_int == status
    assert field in response.json["errors"] and response.json["message"]
    assert _count(Photo) == 0


@pytest.mark.parametrize("data,field", [
    ({"people_count": 0}, "people_count"),
    ({"latitude": 91, "longitude": 105.8}, "latitude"),
    ({"latitude": 21.0, "longitude": 181}, "longitude"),
    ({"latitude": 21.0}, "longitude"),
    ({"photos": [str(uuid.uuid4()) for _ in range(6)]}, "photos"),
    ({"photos": [str(uuid.uuid4())]}, "photos"),          # never uploaded
    ({"site": "KHAC", "place_text": ""}, "place_text"),
    ({"site": "NOWHERE"}, "site"),
    ({"seen_at": "32/10/2021 09:30"}, "seen_at"),
    ({"seen_at": "01/01/2099 09:30"}, "seen_at"),
])
def test_a_bad_sighting_is_rejected_with_a_message_and_not_stored(member, ctx, data, field):
    result = sync(member, [sighting(1, **data)])[0]
    assert result["status"] == "rejected" and result["errors"][field][0]
    assert _count(Sighting) == 0


def test_too_many_photos_get_a_clear_message(member, ctx):
    ids = [put_photo(member, png(shade=i))[0] for i in range(6)]
    result = sync(member, [sighting(1, photos=ids)])[0]
    assert result["status"] == "rejected"
    assert "5" in result["errors"]["photos"][0]["message"]


def test_a_follow_up_for_an_unknown_sighting_is_rejected(member, ctx):
    result = sync(member, [update(1, str(uuid.uuid4()))])[0]
    assert result["status"] == "rejected"
    assert "sighting" in result["errors"]
    assert _count(SightingUpdate) == 0


def test_an_empty_follow_up_is_rejected(member, ctx):
    s = sighting(1)
    sync(member, [s])
    result = sync(member, [update(2, s["id"], people_count=None, action="", note="")])[0]
    assert result["status"] == "rejected" and "_form" in result["errors"]


@pytest.mark.parametrize("site,people,flagged", [
    ("TCD-HUYEN", 4, False), ("TCD-HUYEN", 5, True), ("TINH-UY", 1, True),
    ("QUOC-HOI", 2, True), ("KHAC", 3, False)])
def test_escalation_flags_groups_and_sites_over_the_units_head(member, ctx, site, people,
                                                               flagged):
    s = sighting(1, site=site, people_count=people,
                 place_text="Chợ huyện" if site == "KHAC" else "")
    assert sync(member, [s])[0]["status"] == "accepted"
    assert db.session.get(Sighting, s["id"]).flagged is flagged


def test_a_growing_crowd_becomes_flagged_by_its_follow_up(member, ctx):
    s = sighting(1, site="TCD-HUYEN", people_count=3)
    sync(member, [s])
    assert not db.session.get(Sighting, s["id"]).flagged
    sync(member, [update(2, s["id"], people_count=9, action="")])
    db.session.expire_all()
    assert db.session.get(Sighting, s["id"]).flagged


def test_leaders_get_flagged_sightings_as_alerts(app, client):
    login(client, "member")
    s = sighting(1)
    sync(client, [s])
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "leader")
    alerts = client.get("/api/v1/alerts", {"since": "2000-01-01T00:00:00Z"}).json["alerts"]
    assert [a["id"] for a in alerts] == [s["id"]] and alerts[0]["people"] == 12
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "member")
    assert client.get("/api/v1/alerts", status=403)


def test_a_desk_officer_may_not_send_sightings(client, ctx):
    login(client, "desk")
    result = client.post_json("/api/v1/sync", {"device": {"id": DEVICE, "secret": device_secret(DEVICE)},
                                               "records": [sighting(1, **{})]},
                              headers={"X-CSRFToken": csrf_token(client)}).json["results"][0]
    assert result["status"] == "rejected" and "type" in result["errors"]


def test_the_watch_list_is_kept_by_leaders_with_history(client, ctx):
    login(client, "deputy")
    form = client.get("/watch/new").forms["watch-form"]
    form["kind"], form["name"], form["commune"] = "group", "Đoàn xã Kim Xá", "09079"
    form["usual_size"], form["risk"], form["demands"] = "20", "high", "Bồi thường đất"
    page = form.submit().follow()
    entry = db.session.scalar(sa.select(WatchEntry))
    form = client.get(f"/watch/{entry.id}/edit").forms["watch-form"]
    form["usual_size"] = "35"
    form.submit()
    db.session.expire_all()
    assert db.session.get(WatchEntry, entry.id).usual_size == 35
    changes = db.session.scalars(sa.select(WatchEntryChange).order_by(WatchEntryChange.id)).all()
    assert changes[-1].changes["usual_size"] == ["20", "35"]
    assert "Đoàn xã Kim Xá" in client.get("/api/v1/watchlist").json["entries"][0]["name"]
    assert page.status_int == 200


def test_a_concurrent_watch_list_edit_is_caught(client, ctx):
    login(client, "leader")
    form = client.get("/watch/new").forms["watch-form"]
    form["name"] = "Bà B"
    form.submit()
    entry_id = db.session.scalar(sa.select(WatchEntry.id))
    first = client.get(f"/watch/{entry_id}/edit").forms["watch-form"]
    second = client.get(f"/watch/{entry_id}/edit").forms["watch-form"]
    first["usual_size"] = "3"
    first.submit()
    second["usual_size"] = "4"
    response = second.submit()
    assert response.headers["Location"].endswith("/edit")
    db.session.expire_all()
    assert db.session.get(WatchEntry, entry_id).usual_size == 3


def test_members_read_the_watch_list_but_cannot_edit(client):
    login(client, "member")
    assert client.get("/api/v1/watchlist").status_int == 200
    assert client.get("/watch/new", status=403)
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "desk")
    assert client.get("/api/v1/watchlist", status=403)


def test_webp_is_checked_at_offset_8_not_only_riff(member, ctx):
    """Any RIFF file (a WAV here) starts "RIFF"; a WebP has "WEBP" at offset 8."""
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
    _, response = put_photo(member, wav, content_type="image/webp")
    assert response.status_int == 415 and response.json["errors"]["content_type"]
    webp = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    _, response = put_photo(member, webp, content_type="image/webp")
    assert response.status_int == 201
    assert _count(Photo) == 1


def test_the_sighting_page_names_its_communes(member, ctx):
    """Given a sighting that lists communes by code, its page names them, never the codes."""
    from pwa.models import Unit
    units = db.session.scalars(sa.select(Unit).order_by(Unit.code).limit(2)).all()
    s = sighting(1, communes=[u.code for u in units])
    assert sync(member, [s])[0]["status"] == "accepted"
    page = member.get(f"/field/sightings/{s['id']}").text
    for unit in units:
        assert unit.name_with_type in page
        assert f">{unit.code}" not in page and f"{unit.code}," not in page
