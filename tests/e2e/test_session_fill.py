"""Shell pages carry no user's name (one cached copy serves whoever uses the device next):
the page fills it in from GET /api/v1/session, or offline from the user the device last saw
signed in — and a record saved offline on a cached page is its author's."""
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Visit
from tests.e2e.harness import outbox_records, record_visit, sign_in, wait_for_worker, wait_until
from tests.helpers import PASSWORD


def _meta_user(page):
    return page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        return (await outbox.getMeta('user'))?.username || null; }""")


def _officers(observer) -> list[str]:
    with observer.app_context():
        return [v.officer.username for v in db.session.scalars(sa.select(Visit))]


def test_a_desk_officer_offline_on_a_cached_form_saves_as_himself(server, open_browser,
                                                                  observer):
    """Given a tablet whose shell pages were cached while a member was signed in, when the
    member signs out and a desk officer signs in, the server goes away and he saves a visit
    on the cached form, then the header shows his name (not the member's), the record is his,
    and once the server is back it is stored with him as its officer."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    wait_until(lambda: page.text_content(".who").strip() == "Member Nguyễn", page=page,
               message="the member's name filled in on the shell page")
    page.click("#logout-form button")
    page.wait_for_url("**/login")

    sign_in(page, server.url, "desk", PASSWORD)
    wait_until(lambda: _meta_user(page) == "desk", page=page,
               message="the device knows who is signed in")
    server.stop()
    page.goto(f"{server.url}/visits/new")
    # The cached copy itself names nobody: the name comes from the device.
    cached = page.evaluate("""async () => (await (await caches.match('/visits/new')).text())""")
    assert 'data-session-fill="name"></span>' in cached and "Nguyễn" not in cached
    wait_until(lambda: page.text_content(".who").strip() == "Desk Nguyễn", page=page,
               message="the desk officer's name on the cached page")
    record_visit(page, "Công dân lúc mất mạng")
    assert [r["user"] for r in outbox_records(page)] == ["desk"]

    server.start()
    page.goto(f"{server.url}/outbox")
    page.click("#sync-now")
    wait_until(lambda: _officers(observer) == ["desk"], page=page,
               message="stored with the desk officer as its author")
    assert [r["state"] for r in outbox_records(page)] == ["sent"]
