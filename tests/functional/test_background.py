"""Background requests do not keep an idle session alive: the live parts of the board and
the status page (live.js sends X-Background: 1), the service worker's precache of shell
pages (the same header) and the /healthz probe (public: it never reads the session).

Time is moved by setting the app's clock, as in test_sessions."""

import pytest

from tests.helpers import login, session_count

BACKGROUND = {"X-Background": "1"}


@pytest.mark.parametrize("role,urls", [
    ("leader", ["/status/live", "/status/live?all=1", "/board/live"]),
    ("desk", ["/visits/new", "/outbox", "/offline"]),          # the worker's precache
    ("member", ["/field", "/field/sightings/new", "/field/updates/new", "/watch"]),
])
def test_polling_and_precache_do_not_extend_the_idle_limit(app, client, clock, ctx, role, urls):
    """Given a signed-in user whose pages poll in the background, when only background
    requests (and the health probe) come for longer than the idle limit, then the session
    ends."""
    login(client, role)
    idle = app.config["SESSION_IDLE_MINUTES"]
    for _ in range(idle // 5 - 1):
        clock(5)
        for url in urls:
            assert client.get(url, headers=BACKGROUND).status_int == 200, url
        assert client.get("/healthz").json["status"] == "ok"
    clock(6)
    assert client.get("/api/v1/session", status=401).json["error"] == "unauthorized"
    assert session_count() == 0


def test_the_same_requests_made_by_the_person_keep_it_open(app, client, clock):
    """The contrast: the status page opened by the leader herself counts as activity."""
    login(client, "leader")
    for _ in range(3):
        clock(app.config["SESSION_IDLE_MINUTES"] - 5)
        assert client.get("/status").status_int == 200
    assert client.get("/api/v1/session").status_int == 200
