"""Sealed records: the server opens what a device sealed with its public key, refuses every
malformed or misdirected envelope with an error code (never an exception), and keeps older
keys through a rotation.

The device side is done here with Python's cryptography exactly as Web Crypto does it: the
public key imported from the JWK the server publishes, RSA-OAEP with SHA-256 (MGF1 SHA-256, no
label) wrapping a fresh AES-256-GCM key, a 12-byte IV, the 16-byte tag appended."""
import base64
import json
import os
import stat
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pwa import sealing

RECORD_ID = "6f1c2b7e-3d4a-4c5b-8e9f-0a1b2c3d4e5f"
PHOTO_ID = "0b8f3f7e-1c2d-4e5f-9a0b-1c2d3e4f5a6b"
VISIT = {"citizen_name": "Nguyễn Văn A", "id_number": "026085001234", "people_count": 1,
         "address": "Thôn Đông, xã Kim Xá", "kinds": ["to_cao"], "notes": "dòng 1\ndòng 2"}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def from_jwk(jwk: dict) -> rsa.RSAPublicKey:
    """What crypto.subtle.importKey('jwk', ...) makes of the server's key."""
    def number(text):
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")
    return rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()


def device_seal(jwk: dict, plain: bytes, context: bytes, iv: bytes | None = None) -> dict:
    """seal.js's sealJson, in Python: returns {kid, key, iv, ct}."""
    key = AESGCM.generate_key(bit_length=256)
    iv = iv or os.urandom(12)
    wrapped = from_jwk(jwk).encrypt(key, padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    return {"kid": jwk["kid"], "key": b64(wrapped), "iv": b64(iv),
            "ct": b64(AESGCM(key).encrypt(iv, plain, context))}


def json_bytes(data) -> bytes:
    """JSON.stringify's output, UTF-8 encoded."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("sealing-instance"))
    sealing.ensure_keys(path)
    return path


@pytest.fixture(scope="module")
def jwk(instance) -> dict:
    return sealing.public_jwk(instance)


def visit_context(record_id=RECORD_ID, author="desk"):
    return sealing.record_context("visit", record_id, author)


def open_visit(instance, sealed, record_id=RECORD_ID, author="desk"):
    return sealing.open_record(sealed, record_type="visit", record_id=record_id, author=author,
                               instance_path=instance)


# --- keys ---

def test_ensure_keys_makes_one_private_key_readable_by_its_owner_only(tmp_path):
    kid = sealing.ensure_keys(str(tmp_path))
    folder = tmp_path / "sealing-keys"
    assert len(kid) == 16 and int(kid, 16) >= 0
    assert stat.S_IMODE((folder / f"{kid}.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "current").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sealing.ensure_keys(str(tmp_path)) == kid  # safe to call again: same key
    assert sealing.known_kids(str(tmp_path)) == [kid]


def test_two_processes_starting_together_agree_on_one_key(tmp_path):
    """Two gunicorn workers making the key at first use must not make two."""
    code = ("import sys; from pwa import sealing; "
            "print(sealing.ensure_keys(sys.argv[1]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)],
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    kids = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(kids) == 1 and sealing.known_kids(str(tmp_path)) == list(kids)


def test_public_jwk_is_an_rsa_oaep_256_key_named_by_its_kid(instance, jwk):
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RSA-OAEP-256" and jwk["e"] == "AQAB"
    assert jwk["key_ops"] == ["encrypt"] and "d" not in jwk and "p" not in jwk
    public = from_jwk(jwk)
    assert public.key_size == 3072
    assert jwk["kid"] == sealing.kid_of(public) == sealing.ensure_keys(instance)


# --- round trips ---

def test_a_record_sealed_as_the_device_does_opens_to_the_same_data(instance, jwk):
    sealed = device_seal(jwk, json_bytes(VISIT), visit_context())
    assert open_visit(instance, sealed) == (VISIT, None)


def test_a_photo_sealed_as_the_device_does_opens_to_the_same_bytes(instance, jwk):
    photo = b"\xff\xd8\xff\xe0" + os.urandom(300_000)
    sealed = device_seal(jwk, photo, sealing.photo_context(PHOTO_ID, "member"))
    body = base64.b64decode(sealed["ct"])
    assert sealing.open_photo(sealed["kid"], sealed["key"], sealed["iv"], body,
                              photo_id=PHOTO_ID, author="member", max_bytes=len(photo),
                              instance_path=instance) == (photo, None)


def test_the_server_side_sealer_matches_the_device(instance):
    sealed = sealing.seal_record(VISIT, record_type="visit", record_id=RECORD_ID, author="desk",
                                 instance_path=instance)
    assert open_visit(instance, sealed) == (VISIT, None)


# --- a ciphertext is bound to its record and author ---

@pytest.mark.parametrize("record_type,record_id,author", [
    ("sighting", RECORD_ID, "desk"),                                # another type
    ("visit", "11111111-2222-4333-8444-555555555555", "desk"),      # another record
    ("visit", RECORD_ID, "member"),                                 # another user of the tablet
])
def test_a_ciphertext_opens_only_for_its_own_record_and_author(instance, jwk, record_type,
                                                               record_id, author):
    sealed = device_seal(jwk, json_bytes(VISIT), visit_context())
    assert sealing.open_record(sealed, record_type=record_type, record_id=record_id,
                               author=author, instance_path=instance) == (None, "sealed_invalid")


def test_a_photo_opens_only_for_its_own_id_and_uploader(instance, jwk):
    sealed = device_seal(jwk, b"\x89PNG\r\n\x1a\n" + b"x" * 100,
                         sealing.photo_context(PHOTO_ID, "member"))
    body = base64.b64decode(sealed["ct"])
    for photo_id, author in [(PHOTO_ID, "deputy"), (RECORD_ID, "member")]:
        assert sealing.open_photo(sealed["kid"], sealed["key"], sealed["iv"], body,
                                  photo_id=photo_id, author=author, max_bytes=1000,
                                  instance_path=instance) == (None, "sealed_invalid")


# --- bad envelopes: an error code, never an exception ---

def _good(jwk, data=None, plain=None):
    return device_seal(jwk, plain if plain is not None else json_bytes(data or VISIT),
                       visit_context())


def _tampered_ct(sealed):
    raw = bytearray(base64.b64decode(sealed["ct"]))
    raw[0] ^= 1
    return {**sealed, "ct": b64(bytes(raw))}


BAD_ENVELOPES = {
    "not an object": lambda jwk: ["kid", "key", "iv", "ct"],
    "a string": lambda jwk: "sealed",
    "missing ct": lambda jwk: {k: v for k, v in _good(jwk).items() if k != "ct"},
    "an extra field": lambda jwk: {**_good(jwk), "data": {}},
    "kid not hex": lambda jwk: {**_good(jwk), "kid": "../../secret_key"},
    "kid a number": lambda jwk: {**_good(jwk), "kid": 12},
    "key not base64": lambda jwk: {**_good(jwk), "key": "%%%" * 128},
    "key url-safe base64": lambda jwk: {**_good(jwk), "key": _good(jwk)["key"][:-4] + "ab-_"},
    "key too short": lambda jwk: {**_good(jwk), "key": b64(b"\x00" * 383)},
    "key of zeros": lambda jwk: {**_good(jwk), "key": b64(b"\x00" * 384)},
    "key huge": lambda jwk: {**_good(jwk), "key": "A" * 10_000_000},
    "key with whitespace": lambda jwk: {**_good(jwk), "key": " " + _good(jwk)["key"]},
    "key not ascii": lambda jwk: {**_good(jwk), "key": "ễ" * 512},
    "iv too short": lambda jwk: {**_good(jwk), "iv": b64(b"\x00" * 11)},
    "iv a list": lambda jwk: {**_good(jwk), "iv": [1, 2, 3]},
    "ct empty": lambda jwk: {**_good(jwk), "ct": ""},
    "ct only a tag": lambda jwk: {**_good(jwk), "ct": b64(b"\x00" * 16)},
    "ct too large": lambda jwk: {**_good(jwk), "ct": b64(b"\x00" * (300 * 1024))},
    "ct tampered": lambda jwk: _tampered_ct(_good(jwk)),
    "ct a number": lambda jwk: {**_good(jwk), "ct": 5},
    "JSON array": lambda jwk: _good(jwk, plain=b"[1,2,3]"),
    "JSON string": lambda jwk: _good(jwk, plain=b'"x"'),
    "not JSON": lambda jwk: _good(jwk, plain=b"citizen_name=A"),
    "not UTF-8": lambda jwk: _good(jwk, plain=b'{"citizen_name":"\xff\xfe"}'),
    "encoded surrogate": lambda jwk: _good(jwk, plain=b'{"a":"\xed\xa0\x80"}'),
    "escaped lone surrogate": lambda jwk: _good(jwk, plain=b'{"a":"\\ud800"}'),
    "NUL in a value": lambda jwk: _good(jwk, plain=b'{"a":"x\\u0000y"}'),
    "control char in a key": lambda jwk: _good(jwk, plain=b'{"a\\u0007":"x"}'),
    "NaN": lambda jwk: _good(jwk, plain=b'{"people_count":NaN}'),
    "duplicate keys": lambda jwk: _good(jwk, plain=b'{"a":1,"a":2}'),
    "30,000 deep": lambda jwk: _good(jwk, plain=b'{"a":' + b"[" * 30_000 + b"]" * 30_000 + b"}"),
    "40 deep": lambda jwk: _good(jwk, plain=b'{"a":' + b"[" * 40 + b"]" * 40 + b"}"),
}


@pytest.mark.parametrize("name", sorted(BAD_ENVELOPES))
def test_a_bad_envelope_is_sealed_invalid(instance, jwk, name):
    assert open_visit(instance, BAD_ENVELOPES[name](jwk)) == (None, "sealed_invalid")


def test_a_well_formed_envelope_under_a_key_not_kept_is_sealed_unknown_key(instance, jwk):
    sealed = {**_good(jwk), "kid": "0123456789abcdef"}
    assert open_visit(instance, sealed) == (None, "sealed_unknown_key")


@pytest.mark.parametrize("record_id,author", [("", "desk"), (RECORD_ID, ""),
                                              (RECORD_ID, "desk\nvisit"), (None, "desk"),
                                              (RECORD_ID, "x" * 201)])
def test_a_context_that_could_be_ambiguous_opens_nothing(instance, jwk, record_id, author):
    assert open_visit(instance, _good(jwk), record_id=record_id,
                      author=author) == (None, "sealed_invalid")


@pytest.mark.parametrize("body,max_bytes", [(b"", 100), (b"\x00" * 16, 100),
                                            (b"\x00" * 200, 100), ("text", 100)])
def test_a_bad_photo_body_is_sealed_invalid(instance, jwk, body, max_bytes):
    sealed = _good(jwk)
    assert sealing.open_photo(sealed["kid"], sealed["key"], sealed["iv"], body,
                              photo_id=PHOTO_ID, author="desk", max_bytes=max_bytes,
                              instance_path=instance) == (None, "sealed_invalid")


def test_a_photo_under_an_unknown_or_malformed_kid(instance, jwk):
    sealed = _good(jwk)
    body = b"\x00" * 64
    for kid, code in [("0123456789abcdef", "sealed_unknown_key"), ("", "sealed_invalid"),
                      (None, "sealed_invalid")]:
        assert sealing.open_photo(kid, sealed["key"], sealed["iv"], body, photo_id=PHOTO_ID,
                                  author="desk", max_bytes=100,
                                  instance_path=instance) == (None, code)


def test_data_a_person_types_opens_unchanged(instance, jwk):
    """Tabs, newlines, carriage returns, Vietnamese, emoji, numbers, nesting: all kept."""
    data = {"notes": "a\tb\r\nc", "name": "Đặng Thị Ngọc Hân 👍", "count": 12, "ratio": 0.5,
            "flag": True, "none": None, "list": [{"x": ["y"]}]}
    assert open_visit(instance, _good(jwk, data)) == (data, None)


# --- rotation ---

def test_rotation_makes_a_new_current_key_and_older_records_still_open(tmp_path):
    instance = str(tmp_path)
    old_jwk = sealing.public_jwk(instance)
    old_sealed = device_seal(old_jwk, json_bytes(VISIT), visit_context())
    new_kid = sealing.rotate_keys(instance)
    new_jwk = sealing.public_jwk(instance)
    assert new_jwk["kid"] == new_kid != old_jwk["kid"]
    assert sealing.known_kids(instance) == sorted([old_jwk["kid"], new_kid])
    new_sealed = device_seal(new_jwk, json_bytes({"a": 1}), visit_context())
    assert open_visit(instance, old_sealed) == (VISIT, None)
    assert open_visit(instance, new_sealed) == ({"a": 1}, None)
    # Mixing the two is refused: a key wrapped for one RSA key does not open under another.
    mixed = {**old_sealed, "kid": new_kid}
    assert open_visit(instance, mixed) == (None, "sealed_invalid")


def test_seal_js_uses_no_dom_so_the_service_worker_can_import_it():
    from pathlib import Path
    source = (Path(__file__).resolve().parents[2] / "static/js/seal.js").read_text()
    for name in ("document", "window", "localStorage", "fromCharCode(..."):
        assert name not in source, name
