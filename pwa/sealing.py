"""Sealed records: devices encrypt what they keep, only the server can read it.

A device seals each record's data with the server's public key (Web Crypto): a fresh
AES-256-GCM key per record, wrapped with RSA-OAEP (SHA-256). It keeps only the ciphertext and a
non-identifying summary, so nobody who holds the device can read a citizen's name, yet the
ciphertext can still be re-sent after a server restore.

The GCM "additional data" binds a ciphertext to its record type, record id and author: another
user of the same tablet cannot send someone else's ciphertext as his own record (and so have
the server decrypt it into a record he may read), nor ask /api/v1/unseal to open it.

Keys live in the instance folder beside the secret key: sealing-keys/<kid>.pem (PKCS#8, 0600)
and sealing-keys/current (the kid new records are sealed under). Rotation adds a key and keeps
the old ones, so records sealed before it stay readable. Back up this folder with the
database: without it, ciphertexts waiting on devices can never be read.
"""
import base64
import binascii
import fcntl
import hashlib
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALG = "RSA-OAEP-256+A256GCM"
RSA_BITS = 3072  # NIST: 128-bit security, like the AES-256 content keys need at least
KEY_DIR_NAME = "sealing-keys"
KID_RE = re.compile(r"^[0-9a-f]{16}$")
IV_BYTES = 12
TAG_BYTES = 16
# A record is a few KB of text; the whole sync request is at most 2 MiB. This bounds the work
# one envelope can cause before anything is decrypted.
MAX_RECORD_BYTES = 256 * 1024
MAX_DEPTH = 32
# C0 controls other than tab, newline and carriage return (and lone surrogates) never come
# from a person typing; PostgreSQL refuses NUL. The ciphertext hides them from the request
# edge's own check, so they are refused here.
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

SEALED_INVALID = "sealed_invalid"
SEALED_UNKNOWN_KEY = "sealed_unknown_key"
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(),
                     label=None)

# Private keys by (folder, kid): a key file never changes once written.
_private_keys: dict[tuple[str, str], rsa.RSAPrivateKey] = {}


# --- keys ---

def key_dir(instance_path: str | None = None) -> Path:
    """The folder of private keys: SEALING_KEY_DIR if configured, else in the instance."""
    if instance_path is None:
        from flask import current_app
        configured = current_app.config.get("SEALING_KEY_DIR")
        if configured:
            return Path(configured)
        instance_path = current_app.instance_path
    return Path(instance_path) / KEY_DIR_NAME


def kid_of(public_key: rsa.RSAPublicKey) -> str:
    """A short, stable name for a key: the start of the SHA-256 of its public DER."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


@contextmanager
def _locked(folder: Path):
    """Serialise key creation between processes (two gunicorn workers starting together)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only (never briefly world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _new_key(folder: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    kid = kid_of(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_private(folder / f"{kid}.pem", pem)
    tmp = folder / "current.tmp"
    tmp.unlink(missing_ok=True)
    _write_private(tmp, kid.encode())
    os.replace(tmp, folder / "current")  # atomic: readers see the old kid or the new one
    return kid


def _read_current(folder: Path) -> str | None:
    try:
        kid = (folder / "current").read_text().strip()
    except FileNotFoundError:
        return None
    return kid if KID_RE.match(kid) and (folder / f"{kid}.pem").exists() else None


def ensure_keys(instance_path: str | None = None) -> str:
    """Make the key pair if there is none; return the current kid (safe to call again)."""
    folder = key_dir(instance_path)
    kid = _read_current(folder)
    if kid:
        return kid
    with _locked(folder):
        return _read_current(folder) or _new_key(folder)


def rotate_keys(instance_path: str | None = None) -> str:
    """Make a new current key; older keys stay to open what was sealed under them."""
    folder = key_dir(instance_path)
    with _locked(folder):
        return _new_key(folder)


def known_kids(instance_path: str | None = None) -> list[str]:
    """Every kid whose private key is kept, sorted."""
    folder = key_dir(instance_path)
    return sorted(p.stem for p in folder.glob("*.pem") if KID_RE.match(p.stem))


def _private_key(kid: str, instance_path: str | None = None) -> rsa.RSAPrivateKey | None:
    folder = key_dir(instance_path)
    cached = _private_keys.get((str(folder), kid))
    if cached is not None:
        return cached
    try:
        pem = (folder / f"{kid}.pem").read_bytes()
    except FileNotFoundError:
        return None
    key = serialization.load_pem_private_key(pem, password=None)
    _private_keys[(str(folder), kid)] = key
    return key


def public_jwk(instance_path: str | None = None) -> dict:
    """The current public key as a JWK that Web Crypto imports for RSA-OAEP with SHA-256."""
    kid = ensure_keys(instance_path)
    numbers = _private_key(kid, instance_path).public_key().public_numbers()

    def b64url(number: int) -> str:
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"kty": "RSA", "n": b64url(numbers.n), "e": b64url(numbers.e), "alg": "RSA-OAEP-256",
            "kid": kid, "key_ops": ["encrypt"], "ext": True}


# --- what a ciphertext is bound to ---

def _context(*parts: str) -> bytes | None:
    """Additional data for GCM; None when a part is empty, too long or could blur the
    boundary between parts."""
    for part in parts:
        if not isinstance(part, str) or not part or len(part) > 200 or "\n" in part \
                or _FORBIDDEN_CHARS.search(part):
            return None
    return "\n".join(parts).encode("utf-8")


def record_context(record_type: str, record_id: str, author: str) -> bytes | None:
    """What a record's ciphertext is bound to (seal.js recordContext builds the same)."""
    return _context("tcd-seal-v1", record_type, record_id, author)


def photo_context(photo_id: str, author: str) -> bytes | None:
    """What a photo's ciphertext is bound to (seal.js photoContext builds the same)."""
    return _context("tcd-photo-v1", photo_id, author)


# --- opening ---

def _b64(value, *, exact: int | None = None, most: int | None = None) -> bytes | None:
    """Strict standard base64 (with padding) of a bounded length, or None."""
    if not isinstance(value, str) or not value.isascii():
        return None
    limit = exact if exact is not None else most
    if limit is not None and len(value) > 4 * ((limit + 2) // 3):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if exact is not None and len(raw) != exact:
        return None
    return raw


def _unwrap(kid, key_b64, iv_b64, instance_path) -> tuple[bytes | None, bytes | None, str | None]:
    """(AES key, iv, None) or (None, None, error code)."""
    if not isinstance(kid, str) or not KID_RE.match(kid):
        return None, None, SEALED_INVALID
    private = _private_key(kid, instance_path)
    if private is None:
        return None, None, SEALED_UNKNOWN_KEY
    wrapped = _b64(key_b64, exact=private.key_size // 8)
    iv = _b64(iv_b64, exact=IV_BYTES)
    if wrapped is None or iv is None:
        return None, None, SEALED_INVALID
    try:
        key = private.decrypt(wrapped, _OAEP)
    except ValueError:
        return None, None, SEALED_INVALID
    if len(key) != 32:
        return None, None, SEALED_INVALID
    return key, iv, None


def _acceptable(value, depth: int = 0) -> bool:
    """JSON as a browser's JSON.stringify makes it: bounded depth, no control characters."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return not _FORBIDDEN_CHARS.search(value)
    if isinstance(value, dict):
        return all(_acceptable(k, depth + 1) and _acceptable(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, list):
        return all(_acceptable(v, depth + 1) for v in value)
    return value is None or isinstance(value, (bool, int, float))


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def open_record(sealed, *, record_type: str, record_id: str, author: str,
                instance_path: str | None = None) -> tuple[dict | None, str | None]:
    """(data, None) for a well-formed envelope sealed for this record and author, else
    (None, "sealed_invalid" | "sealed_unknown_key"). Never raises on bad input."""
    if not isinstance(sealed, dict) or set(sealed) != {"kid", "key", "iv", "ct"}:
        return None, SEALED_INVALID
    context = record_context(record_type, record_id, author)
    ciphertext = _b64(sealed["ct"], most=MAX_RECORD_BYTES + TAG_BYTES)
    if context is None or ciphertext is None or len(ciphertext) <= TAG_BYTES:
        return None, SEALED_INVALID
    key, iv, error = _unwrap(sealed["kid"], sealed["key"], sealed["iv"], instance_path)
    if error:
        return None, error
    try:
        plain = AESGCM(key).decrypt(iv, ciphertext, context)
        data = json.loads(plain.decode("utf-8", "strict"), parse_constant=_refuse_constant,
                          object_pairs_hook=_no_duplicates)
    except (InvalidTag, UnicodeDecodeError, ValueError, RecursionError):
        return None, SEALED_INVALID
    if not isinstance(data, dict) or not _acceptable(data):
        return None, SEALED_INVALID
    return data, None


def open_photo(kid, wrapped_key_b64, iv_b64, body: bytes, *, photo_id: str, author: str,
               max_bytes: int, instance_path: str | None = None
               ) -> tuple[bytes | None, str | None]:
    """(plaintext bytes, None) for a photo sealed for this id and uploader, else
    (None, error code). The caller checks type, size and hash of the plaintext as before."""
    context = photo_context(photo_id, author)
    if context is None or not isinstance(body, bytes | bytearray) or \
            not TAG_BYTES < len(body) <= max_bytes + TAG_BYTES:
        return None, SEALED_INVALID
    key, iv, error = _unwrap(kid, wrapped_key_b64, iv_b64, instance_path)
    if error:
        return None, error
    try:
        return AESGCM(key).decrypt(iv, bytes(body), context), None
    except InvalidTag:
        return None, SEALED_INVALID


# --- sealing, as the device does it (for tests, tools and server-side re-sealing) ---

def _public_key(kid: str, instance_path: str | None = None) -> rsa.RSAPublicKey:
    return _private_key(kid, instance_path).public_key()


def seal_bytes(plain: bytes, context: bytes, kid: str | None = None,
               instance_path: str | None = None) -> dict:
    """What seal.js does: {kid, key, iv, ct} with a fresh AES-256-GCM key."""
    kid = kid or ensure_keys(instance_path)
    key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(IV_BYTES)
    wrapped = _public_key(kid, instance_path).encrypt(key, _OAEP)
    ct = AESGCM(key).encrypt(iv, plain, context)
    return {"kid": kid, "key": base64.b64encode(wrapped).decode(),
            "iv": base64.b64encode(iv).decode(), "ct": base64.b64encode(ct).decode()}


def seal_record(data: dict, *, record_type: str, record_id: str, author: str,
                kid: str | None = None, instance_path: str | None = None) -> dict:
    """A record's data sealed the way the device seals it (JSON.stringify, UTF-8)."""
    plain = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return seal_bytes(plain, record_context(record_type, record_id, author), kid, instance_path)
