"""The PWA in real headless Chromium: installable, usable with the server stopped, and an
outbox that survives a browser restart and drains exactly once."""
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import AuditEntry, Visit
from tests.e2e.harness import (outbox_records, record_visit, sign_in, wait_for_worker,
                               wait_until)
from tests.helpers import PASSWORD


def _visit_ids(observer) -> list[str]:
    with observer.app_context():
        return db.session.scalars(sa.select(Visit.id)).all()


def test_the_app_is_installable(server, open_browser):
    """CDP reports no installability errors for the manifest and service worker."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    wait_for_worker(page)
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []


def test_installing_the_app_opens_no_page_the_role_may_not(server, open_browser, observer):
    """The worker precaches the shell pages of the signed-in role only: a desk officer's
    sign-in leaves no refused request (field pages) in the audit log."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    wait_for_worker(page)
    cached = page.evaluate("""async () => {
        const keys = [];
        for (const name of await caches.keys())
          for (const request of await (await caches.open(name)).keys())
            keys.push(new URL(request.url).pathname);
        return keys; }""")
    assert "/visits/new" in cached and not any(p.startswith("/field") for p in cached)
    with observer.app_context():
        refused = db.session.scalars(sa.select(AuditEntry.detail)
                                     .where(AuditEntry.action == "forbidden")).all()
    assert refused == []


def test_form_and_outbox_open_with_the_server_stopped(server, open_browser):
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    server.stop()
    page.goto(f"{server.url}/visits/new")
    assert page.locator("#visit-form").is_visible()
    page.goto(f"{server.url}/outbox")
    assert page.locator("#sync-now").is_visible()
    page.goto(f"{server.url}/visits")          # not part of the shell: the offline page
    assert page.locator("a[href='/visits/new']").first.is_visible()


def test_twenty_visits_survive_a_dead_server_and_a_browser_restart(server, open_browser,
                                                                    observer):
    """Server stopped: 20 visits → 20 pending → browser restarted → still 20 → server back
    → all 20 in the database exactly once, shown as sent with receipts."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    server.stop()

    for i in range(20):
        record_visit(page, f"Công dân {i:02d}")
    page.goto(f"{server.url}/outbox")
    wait_until(lambda: page.text_content("#count-pending") == "20", message="20 pending")
    ids = {r["id"] for r in outbox_records(page)}
    assert len(ids) == 20 and _visit_ids(observer) == []

    context.close()
    context = open_browser()
    page = context.new_page()
    page.goto(f"{server.url}/outbox")
    wait_until(lambda: page.text_content("#count-pending") == "20", message="still 20")

    server.start()
    page.click("#sync-now")
    wait_until(lambda: page.text_content("#count-sent") == "20", timeout=30,
               message="20 sent")
    assert page.text_content("#count-pending") == "0"
    records = outbox_records(page)
    assert all(r["state"] == "sent" and r["receipt"]["id"] == r["id"] for r in records)
    stored = _visit_ids(observer)
    assert sorted(stored) == sorted(ids)  # each exactly once


def test_a_visit_saved_online_is_sent_at_once(server, open_browser, observer):
    context = open_browser(phone=True)
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    record_visit(page, "Nguyễn Văn Online")
    wait_until(lambda: page.get_attribute("#save-status", "data-state") == "sent",
               message="sent")
    assert len(_visit_ids(observer)) == 1
    assert page.text_content("#outbox-badge") == "0"
