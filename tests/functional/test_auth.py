"""Sign-in, throttling, sign-out revocation, password change."""
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import AuditEntry, User, UserSession
from tests.helpers import PASSWORD, csrf_token, login


def test_sign_in_with_right_password_opens_the_start_page(client, ctx):
    response = login(client, "desk")
    assert response.status_int == 302
    assert client.get("/api/v1/session").json["user"]["role"] == "desk"
    assert db.session.scalar(sa.select(AuditEntry.action)) == "sign_in"


def test_wrong_password_is_refused_with_a_message(client):
    response = login(client, "desk", "wrong password!")
    assert response.status_int == 200
    assert 'role="alert"' in response.text
    assert client.get("/api/v1/session", status=401).json["error"] == "unauthorized"


def test_sign_in_is_throttled_per_user_name(app, client):
    """After 5 failures for one user name, even the right password is refused for a while."""
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        assert login(client, "desk", "wrong password!").status_int == 200
    response = login(client, "desk", PASSWORD)
    assert response.status_int == 429
    assert 'role="alert"' in response.text
    assert client.get("/api/v1/session", status=401)
    # Another user from another address is not affected.
    other = type(client)(app, extra_environ={"REMOTE_ADDR": "10.0.0.2"})
    assert login(other, "member").status_int == 302


def test_sign_in_is_throttled_per_address(app, client):
    """Many failures from one address, spread over user names, block that address."""
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        login(client, f"guess{i}", "wrong password!")
    assert login(client, "leader", PASSWORD).status_int == 429


def test_sign_out_kills_the_old_session_cookie(client, ctx):
    """Given a signed-in browser, when it signs out, a copy of its old cookie opens nothing."""
    login(client, "leader")
    old_cookie = client.cookies["tcd_session"]
    client.post("/logout", {"csrf_token": csrf_token(client)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    client.set_cookie("tcd_session", old_cookie)
    assert client.get("/", status=302).headers["Location"].endswith("/login")
    assert client.get("/api/v1/session", status=401)


def test_logout_needs_post_with_csrf(client):
    login(client, "leader")
    assert client.get("/logout", status=405)
    assert client.post("/logout", status=400)  # no CSRF token
    assert client.get("/api/v1/session").status_int == 200


def test_password_change_signs_out_other_sessions(app, client):
    """Changing the password keeps this browser signed in and revokes every other session."""
    other = type(client)(app, extra_environ={"REMOTE_ADDR": "10.0.0.3"})
    login(other, "member")
    login(client, "member")
    form = client.get("/account/password").forms["password-form"]
    form["current"], form["new"], form["confirm"] = PASSWORD, "a new long password", \
        "a new long password"
    assert form.submit().status_int == 302
    assert client.get("/api/v1/session").status_int == 200
    assert other.get("/api/v1/session", status=401)
    assert login(type(client)(app), "member", "a new long password").status_int == 302


def test_password_change_rejects_short_and_mismatched(client):
    login(client, "member")
    form = client.get("/account/password").forms["password-form"]
    form["current"], form["new"], form["confirm"] = PASSWORD, "short", "other"
    page = form.submit(status=200)
    assert 'id="new-error"' in page.text and 'id="confirm-error"' in page.text


def test_session_api_gives_a_fresh_csrf_token(client):
    login(client, "desk")
    body = client.get("/api/v1/session").json
    assert body["user"]["username"] == "desk" and len(body["csrf_token"]) > 20


def test_a_new_account_needs_a_role_chosen(as_role, ctx):
    """The role has no default: a leader's rights are never given by oversight."""
    client = as_role("leader")
    form = client.get("/admin/users").forms["new-user-form"]
    form["username"], form["full_name"], form["password"] = "moi", "Người Mới", "a long password"
    page = form.submit(status=400)
    assert 'id="role-error"' in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.username == "moi")) == 0
    form = page.forms["new-user-form"]
    form["role"], form["password"] = "desk", "a long password"
    assert form.submit().status_int == 302
    assert db.session.scalar(sa.select(User.role).where(User.username == "moi")) == "desk"
