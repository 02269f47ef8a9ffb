"""End-to-end fixtures: a live gunicorn server on the test database and Debian's Chromium.

A missing browser fails these tests; it never skips them."""
import os

import pytest

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (make chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def server(app, tmp_path):
    """The app served by gunicorn (2 workers) on the same database as the tests."""
    live = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def open_browser(playwright_instance, tmp_path):
    """Open a persistent Chromium profile (the same folder each call, so it survives a
    restart of the browser); closes whatever is still open at the end."""
    contexts = []

    def launch(profile: str = "profile", phone: bool = False, workers: bool = True):
        options = dict(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                       locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                       service_workers="allow" if workers else "block")
        if phone:
            options.update(viewport={"width": 360, "height": 740}, is_mobile=True,
                           has_touch=True, device_scale_factor=2)
        else:
            options.update(viewport={"width": 1280, "height": 800})
        context = playwright_instance.chromium.launch_persistent_context(
            str(tmp_path / profile), **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        try:
            context.close()
        except Exception:
            pass
