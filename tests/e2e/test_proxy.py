"""Behind nginx (pwa/deploy/nginx.conf), a dead app server answers 502: the service worker
must then serve the cached pages, as if the network had failed."""
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.harness import ROOT, free_port, sign_in, wait_for_worker
from tests.helpers import PASSWORD


@pytest.fixture
def nginx(server, tmp_path):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    config = (ROOT / "pwa" / "deploy" / "nginx.conf").read_text().replace(
        "@LISTEN@", f"127.0.0.1:{port}").replace("@UPSTREAM@", f"127.0.0.1:{server.port}").replace(
        "@PREFIX@", str(tmp_path))
    (tmp_path / "nginx.conf").write_text(config)
    process = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            break
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_a_reload_behind_the_proxy_shows_the_cached_pages_when_the_app_is_down(
        server, nginx, open_browser):
    """Given the visit form and the outbox opened once through nginx,
    When the app server stops (nginx answers 502),
    Then reloading the visit form and the outbox shows the cached pages, not nginx's error;
    And a page that is not kept offline shows the offline page."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, nginx, "desk", PASSWORD)
    page.goto(f"{nginx}/visits/new")
    wait_for_worker(page)
    page.goto(f"{nginx}/outbox")
    server.stop()
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{nginx}/visits/new", timeout=5)
    assert answer.value.code == 502

    page.goto(f"{nginx}/visits/new")
    page.reload()
    page.wait_for_selector("#visit-form")
    assert page.is_visible("#citizen_name")
    page.goto(f"{nginx}/outbox")
    page.reload()
    page.wait_for_selector("#sync-now")
    assert "502" not in page.content()
    page.goto(f"{nginx}/register")
    page.wait_for_selector("h1")
    assert page.locator("a[href='/visits/new']").count() >= 1
    assert "Bad Gateway" not in page.content()
