import time
from tests.e2e.harness import DroppingProxy, outbox_records, record_visit, sign_in, wait_for_worker, wait_until
from tests.helpers import PASSWORD


def test_probe(server, open_browser):
    proxy = DroppingProxy(server.port)
    context = open_browser()
    page = context.new_page()
    sign_in(page, proxy.url, "desk", PASSWORD)
    page.goto(f"{proxy.url}/visits/new")
    wait_for_worker(page)
    n = len(proxy.sync_answers)
    proxy.drop_next_sync = True
    record_visit(page, "A")
    t0 = time.monotonic()
    log = []
    while time.monotonic() - t0 < 5:
        log.append((round(time.monotonic() - t0, 2), proxy.dropped, len(proxy.sync_answers) - n,
                    [r["state"] for r in outbox_records(page)]))
        time.sleep(0.05)
    for entry in log:
        print(entry)
    for a in proxy.sync_answers[n:]:
        print(a[-400:])
    proxy.close()
