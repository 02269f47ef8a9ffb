"""The leader's pages follow a phone in the field, without a reload."""
import json

from tests.e2e.harness import sign_in, wait_until
from tests.helpers import PASSWORD


def _only_empty_batches(route):
    """A weak line: the phone's small outbox report gets through, its batch of records not."""
    body = json.loads(route.request.post_data or "{}")
    if body.get("records"):
        route.abort("connectionreset")
    else:
        route.continue_()


def test_the_status_and_the_board_follow_a_phone_that_reconnects(server, open_browser):
    """Given a phone whose records cannot get through, the status page shows its last report
    (3 waiting); when it reconnects, pending drops to 0 and the 3 crowds appear on the board,
    with neither page reloaded."""
    leader = open_browser("leader")
    status = leader.new_page()
    sign_in(status, server.url, "leader", PASSWORD)
    status.goto(f"{server.url}/status")
    board = leader.new_page()
    board.goto(f"{server.url}/board")
    live_requests = []
    for page in (status, board):
        page.evaluate("window.notReloaded = true")
        page.on("request", lambda r: live_requests.append(r) if r.url.split("?")[0].endswith(
            ("/status/live", "/board/live")) else None)

    # Workers off on this phone so that the route below sees every request.
    phone_context = open_browser("phone", phone=True, workers=False)
    phone = phone_context.new_page()
    sign_in(phone, server.url, "member", PASSWORD)
    phone_context.route("**/api/v1/sync", _only_empty_batches)
    phone.goto(f"{server.url}/field/sightings/new")
    for people in (3, 4, 2):
        phone.select_option("#site", "TCD-HUYEN")
        phone.fill("#people_count", str(people))
        before = phone.text_content("#save-status .what")
        phone.click("#field-form button.primary")
        phone.wait_for_function(
            "(b) => document.querySelector('#save-status .what').textContent !== b", arg=before)

    wait_until(lambda: status.text_content("[data-figure=pending]").strip() == "3", timeout=40,
               page=status, message="the status page shows the phone's 3 waiting records")
    assert board.locator("ul.sightings li.sighting").count() == 0

    phone_context.unroute("**/api/v1/sync")
    phone.goto(f"{server.url}/outbox")
    phone.click("#sync-now")
    wait_until(lambda: phone.text_content("#count-pending") == "0", page=phone,
               message="the phone sent everything")

    wait_until(lambda: status.text_content("[data-figure=pending]").strip() == "0", timeout=40,
               page=status, message="pending drops to 0 on the status page")
    wait_until(lambda: board.locator("ul.sightings li.sighting").count() == 3, timeout=40,
               page=board, message="the 3 crowds on the board")
    assert status.evaluate("window.notReloaded") and board.evaluate("window.notReloaded")
    # One fetch-and-swap (live.js) for both, marked as background: it keeps no session alive.
    assert {r.url.split("?")[0].rsplit("/", 2)[-2] for r in live_requests} == {"status", "board"}
    assert all(r.headers.get("x-background") == "1" for r in live_requests)
