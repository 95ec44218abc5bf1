import os
import shutil

import pytest
from playwright.sync_api import expect

from ..conftest import build_grid, require

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(os.path.exists(CHROMIUM), "chromium", "Debian's chromium is missing (apt-get it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def e2e_grid(transactional_db):
    return build_grid()


@pytest.fixture
def open_as(browser, live_server):
    """A logged-in page for a persona, on a phone or desktop viewport, failing on JS errors."""
    contexts = []

    def open_page(username, password, device=DESKTOP):
        context = browser.new_context(locale="zh-CN", **device)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_phone_menu(page):
    """Open the navigation behind a phone's toggler and wait out Bootstrap's collapse: a
    dropdown clicked while the menu is still sliding open does not open (a loaded machine
    lost that race)."""
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#main-nav.show")).to_be_visible()
