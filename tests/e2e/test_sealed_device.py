"""Issue 9.3, done when: nothing readable stays on a shared tablet, and a restore is still made
whole by the device's re-send.

Given a desk officer who saves visits (one sent, one pending, one a denunciation) and a field
member who saves a sighting with a photo on the same tablet, when they sign out and another
user signs in, then a dump of every IndexedDB database, store and row holds no citizen name,
ID number, address or phone in plain text, no leader's name, no watch-list copy of theirs, and
no readable photo bytes. And when the server is restored from a backup older than those
records, the device's re-send of its ciphertexts stores them again, names and all.
"""
import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Photo, Sighting, Visit
from tests.e2e.harness import outbox_records, record_visit, sign_in, wait_for_worker, wait_until
from tests.functional.test_field import png
from tests.helpers import PASSWORD


CITIZENS = [
    # name, ID number, address, phone (all distinct, none in the app's own texts)
    ("Đinh Công Tráng", "026099112233", "Xóm Bãi Sậy, thôn Thượng", "0987001122"),
    ("Lưu Thị Mận", "026188445566", "Ngõ Hàng Vải, thôn Hạ", "0977334455"),
    ("Quách Văn Tuấn", "026077889900", "Đội 7, thôn Trung", "0966778899"),
]
LEADER_NAMES = "Ông Mạc Đăng Dung, bà Hồ Xuân Hương"
PHOTO_MAGIC = ("ffd8ff", "89504e470d0a1a0a", "52494646")  # JPEG, PNG, RIFF (WebP)

DUMP_INDEXEDDB = """async () => {
    const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    const out = { texts: [], blobs: [], stores: {} };
    async function walk(value) {
        if (value instanceof Blob) {
            const bytes = new Uint8Array(await value.arrayBuffer());
            out.blobs.push({ head: hex(bytes.subarray(0, 12)),
                             text: new TextDecoder('utf-8', { fatal: false }).decode(bytes) });
        } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
            const bytes = new Uint8Array(value.buffer || value);
            out.blobs.push({ head: hex(bytes.subarray(0, 12)),
                             text: new TextDecoder('utf-8', { fatal: false }).decode(bytes) });
        } else if (Array.isArray(value)) {
            for (const v of value) await walk(v);
        } else if (value && typeof value === 'object') {
            for (const [k, v] of Object.entries(value)) { out.texts.push(k); await walk(v); }
        } else if (value !== null && value !== undefined) {
            out.texts.push(String(value));
        }
    }
    for (const info of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
            const r = indexedDB.open(info.name);
            r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
        });
        for (const name of db.objectStoreNames) {
            const rows = await new Promise((resolve, reject) => {
                const r = db.transaction(name).objectStore(name).getAll();
                r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
            });
            out.stores[`${info.name}/${name}`] = rows.length;
            for (const row of rows) await walk(row);
        }
        db.close();
    }
    return out;
}"""


def _dump(page) -> dict:
    return page.evaluate(DUMP_INDEXEDDB)


def _secrets() -> list[str]:
    found = [s for citizen in CITIZENS for s in citizen]
    return found + ["Mạc Đăng Dung", "Hồ Xuân Hương"]


def _meta_keys(page) -> list[str]:
    return page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const db = await outbox.openDb();
        return new Promise((resolve) => {
            const r = db.transaction('meta').objectStore('meta').getAllKeys();
            r.onsuccess = () => resolve(r.result);
        });
    }""")


def _save_field(page):
    before = page.evaluate("document.querySelector('#save-status .what').textContent")
    page.click("#field-form button.primary")
    page.wait_for_function(
        "(b) => document.querySelector('#save-status .what').textContent !== b", arg=before)


def _visits(observer) -> dict:
    with observer.app_context():
        return {v.id: v.citizen_name for v in db.session.scalars(sa.select(Visit))}


def test_after_sign_out_the_tablet_holds_nothing_readable_and_a_restore_is_refilled(
        server, open_browser, observer):
    context = open_browser()
    page = context.new_page()

    # The desk officer: one visit sent, then two saved while the server is down (pending),
    # one of them a denunciation.
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    name, id_number, address, phone = CITIZENS[0]
    page.fill("#phone", phone)
    record_visit(page, name, id_number=id_number, address=address)
    wait_until(lambda: all(r["state"] == "sent" for r in outbox_records(page)), page=page,
               message="the first visit is sent")
    sent_ids = {r["id"] for r in outbox_records(page)}
    server.stop()
    for name, id_number, address, phone in CITIZENS[1:]:
        page.fill("#phone", phone)
        record_visit(page, name, id_number=id_number, address=address)
    assert sorted(r["state"] for r in outbox_records(page)) == ["queued", "queued", "sent"]
    server.start()

    # Sign out with records pending (confirm the warning), then the field member signs in
    # on the same tablet, reads the watch list and saves a sighting with a photo.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#logout-form button")
    page.wait_for_url("**/login")
    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/watch")
    wait_until(lambda: "watchlist:member" in _meta_keys(page), page=page,
               message="the member's watch-list copy is kept while he is signed in")
    page.goto(f"{server.url}/field/sightings/new")
    page.select_option("#site", "TCD-TW")
    page.fill("#people_count", "30")
    page.fill("#leaders", LEADER_NAMES)
    page.set_input_files("#photo-input", [{"name": "a.png", "mimeType": "image/png",
                                           "buffer": png(1200, 800, shade=40)}])
    wait_until(lambda: page.locator("#photo-thumbs li").count() == 1, page=page,
               message="a thumbnail")
    _save_field(page)
    page.click("#logout-form button")
    page.wait_for_url("**/login")

    # A third user signs in: the tablet's IndexedDB, pending and sent, names nobody.
    sign_in(page, server.url, "deputy", PASSWORD)
    page.goto(f"{server.url}/outbox")
    dump = _dump(page)
    assert dump["stores"], "the dump found IndexedDB"
    everything = "\n".join(dump["texts"] + [b["text"] for b in dump["blobs"]])
    for secret in _secrets():
        assert secret not in everything, secret
    assert dump["blobs"], "the photo is kept (as ciphertext) until it is uploaded"
    for blob in dump["blobs"]:
        assert not blob["head"].startswith(PHOTO_MAGIC), blob["head"]
    # The member's watch-list copy went at sign-out; the deputy (who may read the list)
    # keeps only his own.
    assert [k for k in _meta_keys(page) if str(k).startswith("watchlist")] in (
        [], ["watchlist:deputy"])
    # Nor can the deputy read them back through the server.
    records = page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        return (await outbox.allRecords()).map((r) => ({ id: r.id, type: r.type, user: r.user,
                                                          sealed: r.sealed }));
    }""")
    assert all(r["sealed"] for r in records)
    refused = page.evaluate("""async (r) => {
        const s = await (await fetch('/api/v1/session')).json();
        const res = await fetch('/api/v1/unseal', { method: 'POST', headers: {
            'Content-Type': 'application/json', 'X-CSRFToken': s.csrf_token },
            body: JSON.stringify({ type: r.type, id: r.id, author: r.user, sealed: r.sealed }) });
        return res.status;
    }""", next(r for r in records if r["user"] == "desk"))
    assert refused == 403
    page.click("#logout-form button")
    page.wait_for_url("**/login")

    # A restore from a backup older than every record: the device's ciphertexts make the
    # register whole again once their authors sign in.
    server.stop()
    with observer.app_context():
        db.session.execute(sa.delete(Photo))
        db.session.execute(sa.delete(Sighting))
        db.session.execute(sa.delete(Visit))
        db.session.commit()
    server.start()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/outbox")
    page.click("#sync-now")
    wait_until(lambda: sorted(_visits(observer).values()) == sorted(c[0] for c in CITIZENS),
               page=page, message="every visit stored again, names and all")
    assert sent_ids <= set(_visits(observer))
