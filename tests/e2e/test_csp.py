"""The main pages run under the enforced Content Security Policy with no violation: nothing
refused in the console, no `securitypolicyviolation` event, and the policy really bites."""

import re

import pytest
from playwright.sync_api import expect

from duties.models import CellPost, Post
from duties.services import duty_library_seed

from ..factories import PASSWORD
from ..hazards.helpers import clean_photo, report
from .conftest import DESKTOP, PHONE, open_phone_menu

pytestmark = pytest.mark.e2e

# Runs before any page script (through the browser's debugging protocol, not the page, so
# the policy does not apply to it).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(browser, live_server):
    """A page factory recording CSP violations from the console and the DOM event."""
    contexts = []

    def open_page(username=None, device=DESKTOP):
        context = browser.new_context(locale="zh-CN", **device)
        contexts.append(context)
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.console_csp = []
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and page.console_csp.append(msg.text),
        )
        page.goto(f"{live_server.url}/accounts/login/")
        if username:
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def violations(page):
    return page.evaluate("window.__csp") + page.console_csp


def visit(page, live_server, path):
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    assert "script-src" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], path


def test_the_policy_is_enforced_and_the_listener_hears_it(e2e_grid, watched, live_server):
    page = watched()
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.appendChild(s);
          const d = document.createElement("div");
          d.setAttribute("style", "color: red");
          document.body.appendChild(d);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    found = " ".join(page.evaluate("window.__csp"))
    assert "script-src" in found and "style-src" in found


def test_the_main_pages_run_without_violations(e2e_grid, watched, live_server):
    grid = e2e_grid
    hazard = report(grid, reporter="teacher", cell="class1", photos=[clean_photo()])
    duty_library_seed(grid.school)
    CellPost.objects.create(
        cell=grid.cells["gate"], post=Post.objects.get(school=grid.school, code="security-guard")
    )

    login = watched()
    assert violations(login) == []

    page = watched("principal", PHONE)
    assert violations(page) == []
    # Bootstrap's collapse and dropdowns work under the policy.
    open_phone_menu(page)
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    assert violations(page) == []
    for path in [
        "/hazards/",
        "/hazards/?tab=queue",
        "/hazards/new/",
        f"/hazards/{hazard.pk}/",
        "/grids/",
        f"/grids/cells/{grid.cells['class1'].pk}/",
        "/grids/coverage/",
        f"/hazards/signs/{grid.cells['class1'].pk}/",
    ]:
        visit(page, live_server, path)
    # The photo is drawn under img-src 'self'.
    visit(page, live_server, f"/hazards/{hazard.pk}/")
    assert page.locator("img[src*='/hazards/photos/']").first.evaluate("i => i.naturalWidth") > 0
    # The tree's buttons (app.js) still work.
    visit(page, live_server, "/grids/")
    page.get_by_role("button", name=re.compile("全部收起")).click()
    assert violations(page) == []

    guard = watched("guard", PHONE)
    visit(guard, live_server, "/duties/visits/")

    admin = watched("admin", DESKTOP)
    visit(admin, live_server, "/audit/")
