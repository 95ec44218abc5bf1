"""The whole loop in Chromium, as four people: report on a phone, accept, rectify, verify."""

import re

import pytest
from playwright.sync_api import expect

from hazards.models import Hazard, Status

from ..factories import PASSWORD
from ..hazards.helpers import image_bytes
from .conftest import PHONE

pytestmark = pytest.mark.e2e


def test_report_accept_rectify_verify(e2e_grid, open_as, tmp_path):
    before = tmp_path / "before.jpg"
    before.write_bytes(image_bytes(color=(180, 40, 40)))
    after = tmp_path / "after.jpg"
    after.write_bytes(image_bytes(color=(40, 160, 80)))

    # 1. The guard reports on a phone, with a photo.
    guard = open_as("guard", PASSWORD, PHONE)
    guard.get_by_role("link", name=re.compile("上报隐患")).first.click()
    guard.select_option("#id_cell", value=str(e2e_grid.cells["class2"].pk))
    guard.fill("#id_spot", "back row")
    guard.select_option("#id_category", label="用电")
    guard.get_by_text("较大").click()
    guard.fill("#id_description", "Socket hanging off the wall")
    guard.set_input_files("#id_photos", str(before))
    guard.get_by_role("button", name=re.compile("上报$")).click()
    expect(guard.get_by_test_id("hazard-status")).to_contain_text("待受理")
    hazard = Hazard.objects.get()
    assert hazard.photos.count() == 1
    assert guard.errors == []

    # 2. The teaching manager accepts and assigns it to the class teacher.
    manager = open_as("manager", PASSWORD)
    manager.goto(guard.url)
    manager.select_option("#act-accept select[name=accept-assignee]", label="Teacher2")
    manager.locator("#act-accept").get_by_role("button", name="受理派发").click()
    expect(manager.get_by_test_id("hazard-status")).to_contain_text("整改中")

    # 3. The assignee submits the rectification with an "after" photo.
    teacher2 = open_as("teacher2", PASSWORD, PHONE)
    teacher2.goto(guard.url)
    teacher2.fill("#act-submit textarea", "New socket fitted")
    teacher2.set_input_files("#act-submit input[type=file]", str(after))
    teacher2.locator("#act-submit").get_by_role("button", name="提交复查").click()
    expect(teacher2.get_by_test_id("hazard-status")).to_contain_text("待复查")

    # 4. The principal verifies and closes it.
    principal = open_as("principal", PASSWORD)
    principal.goto(guard.url)
    principal.locator("#act-verify").get_by_role("button", name="复查通过·销号").click()
    expect(principal.get_by_test_id("hazard-status")).to_contain_text("已销号")

    timeline = principal.get_by_test_id("timeline")
    for step in ["上报", "受理派发", "提交复查", "复查通过·销号"]:
        expect(timeline).to_contain_text(step)
    expect(timeline.locator("img")).to_have_count(2)
    hazard.refresh_from_db()
    assert hazard.status == Status.CLOSED
    for page in (manager, teacher2, principal):
        assert page.errors == []
