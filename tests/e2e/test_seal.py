"""seal.js in real Chromium against the real server: what the browser seals, the server opens.

A record sealed in the page comes back unchanged through /api/v1/unseal for its author; a
photo sealed in the page is opened by the server's own open_photo to the very same bytes; the
base64 of large inputs is the standard one, native or chunked."""
import base64
import hashlib

from pwa import sealing
from tests.e2e.harness import sign_in
from tests.helpers import PASSWORD

RECORD_ID = "6f1c2b7e-3d4a-4c5b-8e9f-0a1b2c3d4e5f"
PHOTO_ID = "0b8f3f7e-1c2d-4e5f-9a0b-1c2d3e4f5a6b"
VISIT = {"citizen_name": "Đặng Thị Ngọc Hân", "id_number": "026190004567",
         "address": "Thôn Đông, xã Kim Xá", "phone": "0912345678", "people_count": 7,
         "kinds": ["to_cao"], "commune": "09079", "received_on": "2021-10-21",
         "shift": "morning", "notes": "dòng 1\r\ndòng 2\ttab 👍", "is_repeat": False,
         "representatives": ["Nguyễn Văn A", "Trần Thị B"]}
PHOTO_BYTES = 1_500_000


def photo_bytes() -> bytes:
    """The same deterministic 'JPEG' the page builds: magic bytes, then a pattern."""
    body = bytes((i * 31 + 7) % 256 for i in range(PHOTO_BYTES - 4))
    return b"\xff\xd8\xff\xe0" + body


SEAL_AND_UNSEAL = """async ([visit, recordId]) => {
    const seal = await import('/static/js/seal.js');
    const { kid, jwk } = await seal.fetchServerKey();
    const key = await seal.importServerKey(jwk);
    const session = await (await fetch('/api/v1/session')).json();
    const author = session.user.username;
    const sealed = await seal.sealJson(key, kid, visit, seal.recordContext('visit', recordId, author));
    const response = await fetch('/api/v1/unseal', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRFToken': session.csrf_token },
        body: JSON.stringify({ type: 'visit', id: recordId, author, sealed }) });
    return { status: response.status, answer: await response.json(), sealed, author,
             summary: seal.summarize('visit', visit) };
}"""

SEAL_PHOTO = """async ([photoId, size]) => {
    const seal = await import('/static/js/seal.js');
    const { kid, jwk } = await seal.fetchServerKey();
    const key = await seal.importServerKey(jwk);
    const bytes = new Uint8Array(size);
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    for (let i = 0; i < size - 4; i += 1) bytes[i + 4] = (i * 31 + 7) % 256;
    const photo = new Blob([bytes], { type: 'image/jpeg' });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const sha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    const sealed = await seal.sealBlob(key, kid, photo, seal.photoContext(photoId, 'desk'));
    const ct = new Uint8Array(await sealed.blob.arrayBuffer());
    return { kid: sealed.kid, key: sealed.key, iv: sealed.iv, blobType: sealed.blob.type,
             ct: seal.bytesToBase64(ct), sha256,
             headers: seal.photoHeaders(sealed, photo.type, sha256) };
}"""


def open_app(server, open_browser):
    page = open_browser(workers=False).new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    return page


def test_a_record_sealed_in_the_browser_comes_back_to_its_author(server, open_browser):
    page = open_app(server, open_browser)
    result = page.evaluate(SEAL_AND_UNSEAL, [VISIT, RECORD_ID])
    assert result["status"] == 200, result["answer"]
    assert result["answer"] == {"data": VISIT}
    sealed = result["sealed"]
    assert set(sealed) == {"kid", "key", "iv", "ct"}
    assert sealed["kid"] == sealing.ensure_keys(server.instance_path)
    # What the device keeps names nobody.
    kept = str(sealed) + str(result["summary"])
    for secret in ("Đặng", "026190004567", "0912345678", "Kim Xá", "to_cao", "Nguyễn"):
        assert secret not in kept
    assert result["summary"] == {"type": "visit", "when": "2021-10-21", "shift": "morning",
                                 "people_count": 7, "communes": ["09079"], "photos": []}
    # The server's own opener agrees (the author is bound into the ciphertext).
    assert sealing.open_record(sealed, record_type="visit", record_id=RECORD_ID,
                               author="desk", instance_path=server.instance_path) == (VISIT, None)
    assert sealing.open_record(sealed, record_type="visit", record_id=RECORD_ID,
                               author="member", instance_path=server.instance_path
                               ) == (None, "sealed_invalid")


def test_a_photo_sealed_in_the_browser_opens_on_the_server_to_the_same_bytes(server,
                                                                              open_browser):
    page = open_app(server, open_browser)
    result = page.evaluate(SEAL_PHOTO, [PHOTO_ID, PHOTO_BYTES])
    expected = photo_bytes()
    assert result["sha256"] == hashlib.sha256(expected).hexdigest()
    body = base64.b64decode(result["ct"], validate=True)
    assert len(body) == PHOTO_BYTES + 16 and result["blobType"] == "application/octet-stream"
    assert expected[:1000] not in body  # what the device keeps is not the photo
    plain, error = sealing.open_photo(result["kid"], result["key"], result["iv"], body,
                                      photo_id=PHOTO_ID, author="desk", max_bytes=PHOTO_BYTES,
                                      instance_path=server.instance_path)
    assert error is None and plain == expected
    assert result["headers"] == {"Content-Type": "image/jpeg", "X-Content-SHA256":
                                 result["sha256"], "X-Sealed-Kid": result["kid"],
                                 "X-Sealed-Key": result["key"], "X-Sealed-IV": result["iv"]}


def test_base64_of_large_inputs_is_standard_native_or_chunked(server, open_browser):
    page = open_app(server, open_browser)
    size = 3 * 1024 * 1024 + 1  # not a multiple of 3: padding, and far past any argument limit
    result = page.evaluate("""async (size) => {
        const seal = await import('/static/js/seal.js');
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i += 1) bytes[i] = (i * 7 + 3) % 256;
        const back = seal.base64ToBytes(seal.base64Chunked(bytes));
        return { native: seal.bytesToBase64(bytes), chunked: seal.base64Chunked(bytes),
                 same: back.length === size && back.every((b, i) => b === bytes[i]) };
    }""", size)
    expected = base64.b64encode(bytes((i * 7 + 3) % 256 for i in range(size))).decode()
    assert result["chunked"] == expected and result["native"] == expected and result["same"]


def test_summaries_keep_counts_codes_and_links_never_people(server, open_browser):
    page = open_app(server, open_browser)
    sighting = {"site": "S01", "place_text": "Cổng UBND tỉnh", "seen_at": "2021-10-21T08:30",
                "people_count": 40, "communes": ["09079", "09100"], "watch_entry": "17",
                "leaders": "Nguyễn Văn Cầm", "demands": "Đòi bồi thường", "banners": "Băng rôn",
                "notes": "ghi chú", "police": "yes", "latitude": 21.3, "longitude": 105.5,
                "photos": [PHOTO_ID, "not-a-uuid"]}
    update = {"sighting": RECORD_ID, "at": "2021-10-21T09:00", "people_count": "55",
              "action": "Đối thoại với ông Cầm", "note": "x", "photos": [], "closed": True}
    result = page.evaluate("""async ([sighting, update]) => {
        const seal = await import('/static/js/seal.js');
        return [seal.summarize('sighting', sighting), seal.summarize('sighting_update', update),
                seal.summarize('unknown', { citizen_name: 'A' })];
    }""", [sighting, update])
    assert result == [
        {"type": "sighting", "when": "2021-10-21T08:30", "people_count": 40,
         "communes": ["09079", "09100"], "site": "S01", "photos": [PHOTO_ID]},
        {"type": "sighting_update", "when": "2021-10-21T09:00", "people_count": 55,
         "sighting": RECORD_ID, "closed": True, "communes": [], "photos": []},
        {"type": "unknown", "when": "", "people_count": None, "communes": [], "photos": []},
    ]
