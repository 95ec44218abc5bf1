"""The principal's dashboard in Chromium: charts drawn, no errors, numbers lead to their lists."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..factories import PASSWORD
from ..reports.fixtures import build_history
from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.e2e

CANVAS_HAS_INK = """
(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
  return ink;
}
"""


@pytest.fixture
def history(e2e_grid):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 21)
    return build_history(
        e2e_grid, timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    )


def test_principal_sees_the_charts_and_follows_a_number(e2e_grid, history, open_as, live_server):
    page = open_as("principal", PASSWORD, DESKTOP)
    page.get_by_test_id("nav-dashboard").click()
    expect(page).to_have_url(re.compile("/reports/$"))
    for chart in ["trend", "funnel", "categories", "areas"]:
        canvas = page.locator(f'[data-chart="{chart}"] canvas')
        expect(canvas).to_have_count(1)
        page.wait_for_function(
            f"() => {{ const c = document.querySelector('[data-chart=\"{chart}\"] canvas');"
            f" return c && ({CANVAS_HAS_INK})(c) > 500; }}"
        )
    overdue = page.get_by_test_id("kpi-overdue-value").inner_text()
    assert int(overdue) == 4  # D, E, H, and I: a week past its acceptance deadline by now
    page.get_by_test_id("kpi-overdue").click()
    expect(page).to_have_url(re.compile(r"/hazards/\?tab=queue&overdue=on"))
    expect(page.get_by_test_id("hazard-count")).to_contain_text(overdue)
    expect(page.locator("[data-testid=hazard-list] .hazard-row")).to_have_count(int(overdue))

    page.go_back()
    closed = page.get_by_test_id("funnel-closed")
    count = closed.inner_text()
    closed.click()
    expect(page.get_by_test_id("hazard-count")).to_contain_text(count)
    assert page.errors == []


def test_the_dashboard_on_a_phone(e2e_grid, history, open_as, live_server):
    page = open_as("manager", PASSWORD, PHONE)
    page.goto(f"{live_server.url}/reports/")
    canvas = page.locator('[data-chart="trend"] canvas')
    expect(canvas).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing sticks out sideways
    box = canvas.bounding_box()
    assert box["width"] <= 390 and box["height"] > 100
    assert page.errors == []
