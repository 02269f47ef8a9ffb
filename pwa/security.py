"""Deny by default, roles on every view, security headers, and errors as JSON or HTML."""
from functools import wraps

from flask import (current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import database
from .extensions import db, login_manager
from .models import UserSession

# Endpoints anyone may reach. Everything else needs a signed-in user AND a named permission.
PUBLIC_ENDPOINTS = {"static", "auth.login", "health", "pwa.manifest", "pwa.service_worker",
                    "i18n.set_language"}

# script-src 'self' with no inline script: an injected <script> cannot run. Images may be
# blob:/data: for photo previews made on the device.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def requires(permission: str):
    """Name the permission a view needs; the before_request check enforces it."""
    def decorate(view):
        view.permission = permission

        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)
        wrapper.permission = permission
        return wrapper
    return decorate


def wants_json() -> bool:
    """API clients get JSON answers, people get pages."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def enforce_access():
    """Refuse every request that is not public, signed in and permitted."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    permission = getattr(view, "permission", None)
    if permission is None or not current_user.can(permission):
        return error_response(403)
    return None


# Endpoints only page scripts call in the background (polling, sync, the CSRF token): they
# never count as a person's activity. Any other request can say so with "X-Background: 1"
# (the service worker's precache and the board's refresh should send it).
BACKGROUND_ENDPOINTS = {"board.live"}


def is_background() -> bool:
    """Whether this request was made by a script on its own, not by the person."""
    return (request.headers.get("X-Background") == "1" or request.blueprint == "api"
            or request.path.startswith("/api/") or request.endpoint in BACKGROUND_ENDPOINTS)


def session_limits() -> dict:
    cfg = current_app.config
    return {"hours": cfg["SESSION_HOURS"], "idle_minutes": cfg["SESSION_IDLE_MINUTES"]}


@login_manager.user_loader
def load_user(session_key: str):
    """Find the user by their revocable session key; a revoked or expired key signs nobody
    in. The limits are checked on the server's row, so a copied cookie ends with it."""
    row = db.session.get(UserSession, session_key) if session_key else None
    if row is None or not row.user.active:
        return None
    now = database.utcnow()
    if row.expired(now, **session_limits()):
        db.session.delete(row)
        db.session.commit()
        return None
    if not is_background() and row.touch(now):
        db.session.commit()
    row.user.session_key = session_key
    return row.user


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return jsonify(error="unauthorized",
                       message=_("Please sign in.")), 401
    session["next"] = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login"))


def security_headers(response):
    """Add the headers every answer carries."""
    h = response.headers
    h.setdefault("Content-Security-Policy", CSP)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    # Location and camera for field reports from this origin only; nothing else.
    h["Permissions-Policy"] = "geolocation=(self), camera=(self), microphone=(), payment=()"
    if current_app.config["PRODUCTION"]:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint not in {"static", "pwa.manifest"} and "Cache-Control" not in h:
        # Pages and API answers carry personal data: no browser or proxy may keep them.
        h["Cache-Control"] = "no-store"
    return response


ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Sign-in needed"), _l("Please sign in.")),
    403: (_l("Not permitted"), _l("Your role does not allow this.")),
    404: (_l("Not found"), _l("There is no such page.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("The request is larger than the server accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait and try again.")),
    500: (_l("Server error"), _l("Something went wrong on the server. Nothing was saved.")),
}


# Stable machine-readable error names for API clients (the titles above are translated).
ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 429: "too_many_attempts",
               500: "server_error"}


def _audit_refusal() -> None:
    """A refused request is evidence of someone trying what their role does not allow.

    Whatever the view had added is rolled back first: a refusal stores only its entry."""
    from .models.audit import audit
    db.session.rollback()
    user = current_user if current_user and current_user.is_authenticated else None
    audit("forbidden", "request", request.endpoint or "", user=user,
          method=request.method, path=request.path[:200])
    db.session.commit()


def error_response(code: int, message: str | None = None, error: str | None = None):
    """An error as JSON for API clients or as a page for people."""
    if code == 403:
        _audit_refusal()
    title, default = ERROR_TEXT.get(code, ERROR_TEXT[500])
    message = message or str(default)
    if wants_json():
        return jsonify(error=error or ERROR_CODES.get(code, "error"), message=message), code
    return render_template("errors/error.html", code=code, title=title,
                           message=message), code


def register_error_handlers(app):
    """One handler for every HTTP error, one for CSRF failures, one for crashes."""
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, _("The form has expired or did not come from this app. "
                                     "Please reload the page and try again."), error="csrf")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        body, code = error_response(exc.code or 500)
        # 405 must say which methods the address takes (RFC 9110); Werkzeug's answer has it.
        allow = dict(exc.get_headers()).get("Allow") if code == 405 else None
        return body, code, ({"Allow": allow} if allow else {})

    @app.errorhandler(Exception)
    def crash(exc):
        db.session.rollback()
        current_app.logger.exception("unhandled error")
        return error_response(500)


def client_address() -> str:
    """The client's address (ProxyFix has already applied trusted X-Forwarded-For hops)."""
    return request.remote_addr or ""


# Pages the service worker precaches (service_worker/sw.js SHELL_PAGES): one copy serves
# whoever uses the device next, so they carry no user's name; the page script fills it in
# from GET /api/v1/session (the elements marked data-session-fill).
SHELL_PAGES = {"/visits/new", "/outbox", "/offline", "/field", "/field/sightings/new",
               "/field/updates/new", "/watch"}


def shell_pages_for(user) -> list[str]:
    """The shell pages this user may open: the worker precaches these and no others (a page
    the role may not open would only be a 403 in the audit log at every sign-in)."""
    adapter = current_app.url_map.bind("")
    allowed = []
    for path in sorted(SHELL_PAGES):
        endpoint, _args = adapter.match(path)
        permission = getattr(current_app.view_functions[endpoint], "permission", None)
        if permission and user.can(permission):
            allowed.append(path)
    return allowed


def shell_page() -> bool:
    """Whether this page may be cached and shown to another user of the device."""
    return request.path in SHELL_PAGES


def init_app(app):
    """Wire the input check, access check, headers and error handlers into the app."""
    app.jinja_env.globals["shell_page"] = shell_page
    from .hygiene import refuse_bad_input
    app.before_request(refuse_bad_input)   # first: not even the sign-in sees a NUL byte
    app.before_request(enforce_access)
    app.after_request(security_headers)
    register_error_handlers(app)
