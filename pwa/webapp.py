"""The installable app: web manifest, service worker, outbox and offline pages."""
import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for

from .security import requires

bp = Blueprint("pwa", __name__)
ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "service_worker" / "sw.js"


@cache
def code_version() -> str:
    """Package version plus a hash of the worker and static files: changes with any of them,
    so a deployed change always installs a new service worker."""
    try:
        base = version("tiep-cong-dan")
    except PackageNotFoundError:
        base = "0"
    digest = hashlib.sha256()
    for path in sorted([WORKER, *(ROOT / "static").rglob("*")]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return f"{base}+{digest.hexdigest()[:10]}"


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: Vietnamese name, standalone, icons including a maskable one."""
    icons = [{"src": url_for("static", filename=f"icons/{name}"), "sizes": size,
              "type": "image/png", "purpose": purpose}
             for name, size, purpose in (("icon-192.png", "192x192", "any"),
                                         ("icon-512.png", "512x512", "any"),
                                         ("icon-maskable-512.png", "512x512", "maskable"))]
    body = jsonify(name="Tiếp công dân — Tổ công tác", short_name="Tiếp dân", lang="vi",
                   dir="ltr", start_url="/", scope="/", id="/", display="standalone",
                   background_color="#f6f5f2", theme_color="#9b1c1c",
                   description="Sổ tiếp công dân và theo dõi đoàn đông người, dùng được "
                               "khi mất kết nối.",
                   icons=icons)
    body.mimetype = "application/manifest+json"
    body.headers["Cache-Control"] = "no-cache"
    return body


@bp.get("/sw.js")
def service_worker():
    """The service worker, stamped with the app version; browsers must always revalidate it."""
    source = WORKER.read_text(encoding="utf-8").replace(
        "__APP_VERSION__", current_app.config["APP_VERSION"])
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache, max-age=0"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/outbox")
@requires("sync.send")
def outbox():
    """This device's records and their state (rendered from IndexedDB by outbox-page.js)."""
    return render_template("pwa/outbox.html")


@bp.get("/offline")
@requires("signed_in")
def offline():
    """Shown by the service worker for pages that need the server when it cannot be reached."""
    return render_template("pwa/offline.html")


@bp.get("/api/v1/rules")
@requires("signed_in")
def rules_document():
    """The forms' rules as data, messages in the reader's language: the device checks a record
    with them before it saves (static/js/rules.js); the server's forms check the same tables."""
    from .desk.rules import NORMALISE, VISIT_RULES
    from .field.rules import SIGHTING_RULES, UPDATE_RULES
    from .rules import document
    body = jsonify(visit={"normalise": NORMALISE, "rules": document(VISIT_RULES)},
                   sighting={"normalise": {}, "rules": document(SIGHTING_RULES)},
                   sighting_update={"normalise": {}, "rules": document(UPDATE_RULES)})
    body.headers["Cache-Control"] = "no-cache"
    return body
