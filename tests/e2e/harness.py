"""A real server that really stops and starts, a proxy that can drop an answer, and helpers
to drive the PWA in Debian's Chromium."""
import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from pwa import sealing

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying Google's hosts, which this
# closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under gunicorn with 2 worker processes, on a fixed port across restarts."""

    def __init__(self, database_url: str, instance_path: str, workers: int = 2):
        self.port = free_port()
        self.database_url = database_url
        self.instance_path = instance_path
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log = Path(instance_path) / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self, **env) -> "LiveServer":
        environment = {**os.environ, "DATABASE_URL": self.database_url,
                       "TCD_INSTANCE_PATH": self.instance_path, **env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5",
             # gunicorn 27's control socket is one path per user: servers running side by
             # side (two suites, two test servers) must not share it.
             "--no-control-socket",
             "--access-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=environment, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 30 s")

    def stop(self) -> None:
        """Stop for real: afterwards the port refuses connections."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", self.port)) != 0, "port still answers"


class DroppingProxy:
    """Forwards HTTP between browser and server; can drop the answer to the next sync POST
    that carries records, after the server has fully answered it (the commit happened, the
    device never hears)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.drop_next_sync = False
        self.dropped = 0
        self.sync_answers: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._running = True
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def close(self):
        self._running = False
        self._server.close()

    def _serve(self):
        while self._running:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _read_request(sock) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(body) < length:
            body += sock.recv(65536)
        return head + b"\r\n\r\n" + body

    def _handle(self, client):
        with client:
            request = self._read_request(client)
            if not request:
                return
            # One request per connection keeps the proxy simple.
            request = request.replace(b"Connection: keep-alive", b"Connection: close")
            with socket.create_connection(("127.0.0.1", self.target_port)) as upstream:
                upstream.sendall(request)
                response = b""
                while chunk := upstream.recv(65536):
                    response += chunk
            is_sync = request.startswith(b"POST /api/v1/sync")
            if is_sync:
                self.sync_answers.append(response)
            # The client reports its outbox in an empty batch first: drop a batch with records.
            carries_records = b'"records":[]' not in request
            if is_sync and carries_records and self.drop_next_sync:
                self.drop_next_sync = False
                self.dropped += 1
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset, not a clean end
                return
            client.sendall(response)


# --- page helpers ---

def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in, and wait until the device holds the server's key (fetched by the first
    signed-in page): records are sealed with it, so a test may go offline right after."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button")
    page.wait_for_url(lambda url: "/login" not in url)
    # Polled with evaluate: wait_for_function takes the Promise an async function returns
    # for a truthy answer and would not wait at all.
    wait_until(lambda: page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        return Boolean(await outbox.getMeta('server_key'));
    }"""), timeout=30, page=page, message="the device holds the server's key")


def wait_for_worker(page) -> None:
    """Until a service worker controls the page (and has precached the shell).

    The worker claims open pages when it activates; a page that loaded in the instant
    between install and claim can stay uncontrolled until its next load (as a person's
    next navigation would be), so after activation an uncontrolled page is reloaded once."""
    def state():
        try:
            return page.evaluate("""async () => {
                const r = await navigator.serviceWorker.getRegistration();
                return { active: r && r.active ? r.active.state : null,
                         installing: r && r.installing ? r.installing.state : null,
                         controlled: navigator.serviceWorker.controller !== null }; }""")
        except PlaywrightError:           # the page is navigating: ask again
            return {"active": None, "installing": None, "controlled": False}
    seen = wait_until(lambda: (lambda s: s if s["active"] == "activated" else None)(state()),
                      timeout=30, page=page, message="the service worker activates")
    if not seen["controlled"]:
        page.wait_for_timeout(1000)          # the claim follows activation at once
        if not state()["controlled"]:
            page.reload()
    wait_until(lambda: state()["controlled"], timeout=15, page=page,
               message="the service worker controls the page")


def outbox_records(page) -> list[dict]:
    """The outbox as IndexedDB holds it, read through the app's own module."""
    return page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        return (await outbox.allRecords()).map((r) => ({
            id: r.id, seq: r.seq, state: r.state, user: r.user, receipt: r.receipt,
            errors: r.errors, last_error: r.last_error, device_id: r.device_id }));
    }""")


def open_sealed(page, instance_path: str, record_id: str) -> dict:
    """A record's data as the server would open it (the device keeps only ciphertext)."""
    record = page.evaluate("""async (id) => {
        const outbox = await import('/static/js/outbox.js');
        const r = await outbox.getRecord(id);
        return { type: r.type, id: r.id, user: r.user, sealed: r.sealed };
    }""", record_id)
    data, code = sealing.open_record(record["sealed"], record_type=record["type"],
                                     record_id=record["id"], author=record["user"],
                                     instance_path=instance_path)
    assert code is None, code
    return data


def patch_sealed(page, instance_path: str, record_id: str, patch: dict) -> None:
    """Change a stored record's data as an older app version could have saved it: opened,
    changed and sealed again with the server's key, as the device would have sealed it."""
    data = {**open_sealed(page, instance_path, record_id), **patch}
    record = page.evaluate("""async (id) => {
        const r = await (await import('/static/js/outbox.js')).getRecord(id);
        return { type: r.type, user: r.user };
    }""", record_id)
    sealed = sealing.seal_record(data, record_type=record["type"], record_id=record_id,
                                 author=record["user"], instance_path=instance_path)
    page.evaluate("""async ({ id, sealed }) => {
        const outbox = await import('/static/js/outbox.js');
        await outbox.patchRecords([[id, { sealed }]]);
    }""", {"id": record_id, "sealed": sealed})


def device_photo_hashes(page, instance_path) -> dict:
    """Photo id → SHA-256 of each photo the device holds, opened here as the server opens
    it (the device keeps only the ciphertext)."""
    photos = page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const seal = await import('/static/js/seal.js');
        return Promise.all((await outbox.allPhotos()).map(async (p) => ({
            id: p.id, user: p.user, kid: p.kid, key: p.key, iv: p.iv,
            body: seal.bytesToBase64(new Uint8Array(await p.blob.arrayBuffer())) })));
    }""")
    out = {}
    for p in photos:
        plain, code = sealing.open_photo(p["kid"], p["key"], p["iv"],
                                         base64.b64decode(p["body"]), photo_id=p["id"],
                                         author=p["user"], max_bytes=10 * 2**20,
                                         instance_path=instance_path)
        assert code is None, code
        out[p["id"]] = hashlib.sha256(plain).hexdigest()
    return out


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.2, message: str = "",
               page=None):
    """Poll until predicate() is truthy; fail with message otherwise.

    Given a page, wait through it: Playwright's sync API delivers events (dialogs, console)
    only while one of its calls is running, never during time.sleep."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        if page is not None:
            page.wait_for_timeout(interval * 1000)
        else:
            time.sleep(interval)
    raise AssertionError(f"timed out: {message} (last: {last!r})")


def record_visit(page, name: str, **fields) -> None:
    """Fill the visit form's required fields and save; wait for the save to be shown."""
    page.fill("#citizen_name", name)
    page.fill("#id_number", fields.get("id_number", "026085001234"))
    page.fill("#address", fields.get("address", "Thôn Đông, xã Kim Xá"))
    page.fill("#content", fields.get("content", f"Nội dung vụ việc của {name}"))
    page.fill("#people_count", str(fields.get("people_count", 1)))
    if fields.get("representatives"):
        page.fill("#representatives", fields["representatives"])
    page.check("input[name=kinds][value=khieu_nai]")
    before = page.evaluate("document.querySelector('#save-status .what').textContent")
    page.click("#visit-form button.primary")
    page.wait_for_function(
        "(before) => { const el = document.querySelector('#save-status .what');"
        " return el && el.textContent && el.textContent !== before; }", arg=before)
