"""Sessions end: an absolute limit from sign-in (SESSION_HOURS) and an idle limit
(SESSION_IDLE_MINUTES) that background polling does not extend, both on the server's row.

Time is moved by setting the app's clock (pwa.database.utcnow, the one every rule reads),
never by sleeping."""

import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import UserSession
from tests.helpers import login, session_count


def test_a_session_older_than_session_hours_is_refused_even_while_used(app, client, clock,
                                                                        ctx):
    """Given a leader's wall screen that polls and is used every 10 minutes, when
    SESSION_HOURS have passed since sign-in, then the next request must sign in again."""
    login(client, "leader")
    hours = app.config["SESSION_HOURS"]
    for _ in range(hours * 6 - 1):
        clock(10)
        assert client.get("/api/v1/status").status_int == 200
        assert client.get("/board/live").status_int == 200
        assert client.get("/board").status_int == 200          # the person's own request
    clock(11)
    assert client.get("/api/v1/status", status=401).json["error"] == "unauthorized"
    assert client.get("/board").headers["Location"].endswith("/login")
    assert session_count() == 0                                     # the expired row is gone


def test_background_polling_does_not_extend_the_idle_limit(app, client, clock, ctx):
    login(client, "leader")
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert 30 <= idle <= 120
    for _ in range(idle // 5 - 1):
        clock(5)
        assert client.get("/api/v1/status").status_int == 200
        assert client.get("/api/v1/session").status_int == 200
        assert client.get("/board", headers={"X-Background": "1"}).status_int == 200
    clock(6)
    assert client.get("/api/v1/status", status=401)
    assert session_count() == 0


def test_a_persons_requests_keep_an_idle_session_open(app, client, clock):
    login(client, "desk")
    for _ in range(4):
        clock(app.config["SESSION_IDLE_MINUTES"] - 5)
        assert client.get("/visits").status_int == 200
    assert client.get("/api/v1/session").status_int == 200


def test_expired_rows_are_deleted_at_the_next_sign_in(app, client, clock, ctx):
    import webtest
    other = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.2"})
    login(other, "member")
    clock(app.config["SESSION_HOURS"] * 60 + 1)
    login(client, "desk")
    rows = db.session.scalars(sa.select(UserSession)).all()
    assert [row.user.username for row in rows] == ["desk"]


def test_csrf_tokens_are_bounded_and_the_cookie_does_not_slide(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == app.config["SESSION_HOURS"] * 3600
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False
