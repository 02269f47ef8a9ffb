"""Deny by default: every URL needs sign-in except the public list; each role reaches exactly
what it should."""
import re

import pytest

from pwa.security import PUBLIC_ENDPOINTS
from tests.helpers import login

ANY_UUID = "00000000-0000-4000-8000-000000000000"


def _sample_url(rule) -> str:
    """A concrete URL for a rule, filling path variables with plausible values."""
    url = rule.rule
    url = re.sub(r"<int:\w+>", "1", url)
    url = re.sub(r"<path:\w+>", "x", url)
    return re.sub(r"<\w+>", ANY_UUID, url)


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_url_outside_the_public_list_needs_sign_in(app, client):
    """Given nobody is signed in, when any non-public URL is requested with any method,
    then the answer is a redirect to sign-in (pages) or 401 (API), never the resource."""
    checked = 0
    for rule, method in _protected_rules(app):
        url = _sample_url(rule)
        response = client.request(url, method=method, status="*")
        if url.startswith("/api/"):
            assert response.status_int == 401, (method, url, response.status)
            assert response.json["error"] == "unauthorized"
        else:
            assert response.status_int == 302, (method, url, response.status)
            assert response.headers["Location"].endswith("/login"), (method, url)
        checked += 1
    assert checked >= 15


def test_public_endpoints_answer_without_sign_in(client):
    assert client.get("/login").status_int == 200
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/static/css/app.css").status_int == 200


# (method, url, roles allowed); every other role gets 403.
ALL = {"leader", "deputy", "member", "desk", "viewer"}
RECORDERS = {"leader", "deputy", "member", "desk"}
ACCESS_TABLE = [
    ("GET", "/", ALL),
    ("GET", "/api/v1/session", ALL),
    ("GET", "/account/password", ALL),
    ("GET", "/visits/new", RECORDERS),
    ("GET", "/visits", RECORDERS),
    ("GET", "/register", RECORDERS),
    ("GET", "/visits/lookup?id_number=026085001234", RECORDERS),
    ("GET", "/admin/users", {"leader"}),
    ("GET", "/admin/audit", {"leader"}),
    ("GET", "/admin/users/1", {"leader"}),
]


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("method,url,allowed", ACCESS_TABLE,
                         ids=[f"{m} {u}" for m, u, _ in ACCESS_TABLE])
def test_role_reaches_exactly_what_it_should(client, role, method, url, allowed):
    """Given a user of each role, each page answers 200 to the roles allowed, 403 to others."""
    login(client, role)
    response = client.request(url, method=method, status="*")
    expected = 200 if role in allowed else 403
    assert response.status_int == expected, (role, url, response.status)


def test_viewer_cannot_post_a_visit(client):
    """A viewer changes nothing: even with a valid CSRF token the visit form is refused."""
    login(client, "viewer")
    token = client.get("/api/v1/session").json["csrf_token"]
    response = client.post("/visits/new", {"csrf_token": token}, status="*")
    assert response.status_int == 403


def test_assigning_a_handler_is_for_leader_and_deputy(app, client):
    from tests.helpers import submit_visit
    login(client, "desk")
    visit_url = submit_visit(client).headers["Location"]
    page = client.get(visit_url)
    assert "handler-form" not in page.text
    client.post("/logout", {"csrf_token": client.get("/api/v1/session").json["csrf_token"]})
    login(client, "member")
    token = client.get("/api/v1/session").json["csrf_token"]
    assert client.post(visit_url + "/handler", {"csrf_token": token, "handler": "1"},
                       status="*").status_int == 403


def test_security_headers_on_every_answer(client):
    """A strict CSP without inline script, and the other headers, on pages and errors."""
    for url in ("/login", "/healthz", "/no-such-page"):
        response = client.get(url, status="*")
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_pages(as_role):
    """The CSP would block inline script, so pages must carry none."""
    client = as_role("leader")
    for url in ("/", "/visits/new", "/visits", "/register", "/admin/users"):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url


def test_unknown_api_path_answers_json_404(as_role):
    client = as_role("leader")
    response = client.get("/api/v1/nothing-here", status=404)
    assert response.json["error"] == "not_found"


def test_request_over_the_size_limit_gets_a_clear_413(app, client):
    """A body over MAX_CONTENT_LENGTH is refused with 413 and a message, not a crash."""
    login(client, "desk")
    token = client.get("/api/v1/session").json["csrf_token"]
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/visits/new", {"csrf_token": token, "content": big}, status="*")
    assert response.status_int == 413
    assert "larger than the server accepts" in response.text or "lớn" in response.text
