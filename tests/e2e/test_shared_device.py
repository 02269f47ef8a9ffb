"""A shared tablet: records belong to their author, another user sees only a count, and
signing out with records pending warns and keeps them."""
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import UserSession, Visit
from tests.e2e.harness import outbox_records, record_visit, sign_in, wait_for_worker, wait_until
from tests.helpers import PASSWORD


def _revoke_sessions(observer):
    with observer.app_context():
        db.session.execute(sa.delete(UserSession))
        db.session.commit()


def _officers(observer) -> list[str]:
    with observer.app_context():
        return sorted(v.officer.username for v in db.session.scalars(sa.select(Visit)))


def test_another_user_sees_only_a_count_and_the_author_sends_later(server, open_browser,
                                                                   observer):
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    server.stop()
    record_visit(page, "Công dân của bàn tiếp")
    record_visit(page, "Công dân thứ hai")
    _revoke_sessions(observer)
    server.start()

    sign_in(page, server.url, "member", PASSWORD)
    page.goto(f"{server.url}/outbox")
    page.click("#sync-now")
    wait_until(lambda: page.is_visible("#others"), message="others' count shown")
    assert page.text_content("#others").strip().startswith("Có 2 bản ghi")
    assert page.locator("#outbox-list li.record").count() == 0
    assert "Công dân của bàn tiếp" not in page.content()
    wait_until(lambda: all(r["state"] == "waiting_signin" for r in outbox_records(page)),
               page=page, message="the author's records wait for their author")
    assert _officers(observer) == []

    page.click("#logout-form button")
    page.wait_for_url("**/login")
    sign_in(page, server.url, "desk", PASSWORD)
    wait_until(lambda: _officers(observer) == ["desk", "desk"], message="sent by their author")


def test_signing_out_with_records_pending_warns_and_keeps_them(server, open_browser):
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    server.stop()
    record_visit(page, "Công dân chưa gửi")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()
    page.on("dialog", dismiss)
    page.click("#logout-form button")
    wait_until(lambda: messages, message="a warning before signing out", page=page)
    assert "1 bản ghi" in messages[0]
    assert "/visits/new" in page.url
    assert [r["state"] for r in outbox_records(page)] == ["queued"]
