"""Sign-in, throttling, sign-out revocation, password change."""
import pytest
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


def _failures(client, username, n, address="10.0.0.1"):
    for _ in range(n):
        login(client, username, "wrong password!")


def test_a_stranger_elsewhere_cannot_lock_the_leader_out(app, client):
    """Failures are counted per user name AND address; the slower global limit per user
    name stops guessing spread over many addresses."""
    _failures(client, "leader", app.config["LOGIN_MAX_FAILURES_PER_USER"])
    assert login(client, "leader", PASSWORD).status_int == 429
    office = type(client)(app, extra_environ={"REMOTE_ADDR": "10.0.0.9"})
    assert login(office, "leader").status_int == 302
    spread = app.config["LOGIN_MAX_FAILURES_PER_USER_GLOBAL"] + 1
    for i in range(spread):
        guesser = type(client)(app, extra_environ={"REMOTE_ADDR": f"10.1.{i}.1"})
        login(guesser, "member", "wrong password!")
    fresh = type(client)(app, extra_environ={"REMOTE_ADDR": "10.0.0.10"})
    assert login(fresh, "member").status_int == 429


def test_the_leader_clears_an_accounts_failures(app, client, ctx):
    _failures(client, "desk", app.config["LOGIN_MAX_FAILURES_PER_USER"])
    assert login(client, "desk", PASSWORD).status_int == 429
    throttled = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "sign_in_throttled")).all()
    assert len(throttled) == 1 and throttled[0].detail["username"] == "desk"
    leader = type(client)(app, extra_environ={"REMOTE_ADDR": "10.0.0.5"})
    login(leader, "leader")
    desk_id = db.session.scalar(sa.select(User.id).where(User.username == "desk"))
    page = leader.get(f"/admin/users/{desk_id}")
    assert "6 lần đăng nhập sai" in page.text
    page.forms["clear-failures-form"].submit().follow()
    assert "sign_in_failures_cleared" in db.session.scalars(sa.select(AuditEntry.action)).all()
    assert login(client, "desk", PASSWORD).status_int == 302


def test_an_attempt_is_counted_before_its_password_is_checked(app, client, ctx):
    """The attempt row is committed first (no read-then-write race between workers): the
    right password on the attempt after the limit finds its own row already counted."""
    from pwa.models import LoginAttempt
    _failures(client, "desk", app.config["LOGIN_MAX_FAILURES_PER_USER"])
    assert login(client, "desk", PASSWORD).status_int == 429
    rows = db.session.scalars(sa.select(LoginAttempt).where(
        LoginAttempt.username == "desk")).all()
    assert len(rows) == app.config["LOGIN_MAX_FAILURES_PER_USER"] + 1
    assert not any(r.success for r in rows)


def test_an_unknown_user_name_costs_a_password_check_too(client):
    """No timing assertion: the dummy hash exists and is what an unknown name is checked
    against (pwa.auth.routes._dummy_hash)."""
    from pwa.auth import routes
    routes._dummy_hash.cache_clear()
    login(client, "nobody-here", "wrong password!")
    assert routes._dummy_hash.cache_info().misses == 1


def test_a_403_is_audited(client, ctx):
    login(client, "viewer")
    client.get("/admin/users", status=403)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "forbidden"))
    assert entry.detail["path"] == "/admin/users" and entry.user_id is not None


def test_a_405_keeps_the_allow_header(client):
    login(client, "leader")
    response = client.get("/logout", status=405)
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop", "1234567890"])
def test_a_common_password_is_refused_on_create_and_change(as_role, ctx, password):
    client = as_role("leader")
    page = client.get("/admin/users")
    form = [f for f in page.forms.values() if "username" in f.fields][0]
    form["username"], form["full_name"], form["role"] = "newbie", "Người Mới", "member"
    form["password"] = password
    response = form.submit(status=400)
    assert "phổ biến nhất" in response.text
    assert db.session.scalar(sa.select(User).where(User.username == "newbie")) is None
    form = [f for f in client.get("/account/password").forms.values()
            if "current" in f.fields][0]
    form["current"], form["new"], form["confirm"] = PASSWORD, password, password
    assert "phổ biến nhất" in form.submit().text


def test_cached_shell_pages_carry_no_user_name(as_role):
    """A page the service worker keeps serves the next user of the device: no name in it;
    the page script fills data-session-fill from /api/v1/session."""
    import re
    from pathlib import Path

    from pwa.security import SHELL_PAGES
    sw = (Path(__file__).resolve().parents[2] / "service_worker" / "sw.js").read_text()
    listed = re.search(r"SHELL_PAGES = \[([^\]]*)\]", sw).group(1)
    assert set(re.findall(r"'([^']+)'", listed)) == SHELL_PAGES
    client = as_role("leader")
    for path in sorted(SHELL_PAGES):
        page = client.get(path, status="*")
        if page.status_int != 200:
            continue
        assert "Leader Nguyễn" not in page.text, path
        assert 'data-username=""' in page.text and 'data-session-fill="name"' in page.text
    assert "Leader Nguyễn" in client.get("/visits").text      # other pages keep the name


def test_the_session_names_the_shell_pages_the_role_may_open(client):
    """The service worker precaches these and no others (no 403 at every sign-in)."""
    login(client, "desk")
    desk = client.get("/api/v1/session").json["shell_pages"]
    assert "/visits/new" in desk and "/outbox" in desk
    assert not any(page.startswith("/field") or page == "/watch" for page in desk)
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "member")
    member = client.get("/api/v1/session").json["shell_pages"]
    assert {"/field/sightings/new", "/field/updates/new", "/watch"} <= set(member)
