"""A check on a phone: the guard opens today's gate patrol from the home card, marks an item
as a problem, and the problem becomes a hazard in the gate cell."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duties.checks.models import CheckItem, CheckRun, CheckTemplate, Frequency, RunStatus
from duties.checks.services import check_runs_open
from duties.models import CellPost, Duty, Post
from duties.services import duty_library_seed
from hazards.models import Hazard

from ..factories import PASSWORD
from .conftest import PHONE

pytestmark = pytest.mark.e2e


def test_the_guard_completes_the_gate_patrol_with_one_problem(e2e_grid, open_as, live_server):
    school = e2e_grid.school
    duty_library_seed(school)
    gate = e2e_grid.cells["gate"]
    CellPost.objects.create(cell=gate, post=Post.objects.get(school=school, code="security-guard"))
    template = CheckTemplate.objects.create(
        duty=Duty.objects.filter(school=school, post__code="security-guard").first(),
        title="Gate patrol",
        frequency=Frequency.DAILY,
    )
    CheckItem.objects.create(template=template, label="Gate intact", sort_order=0)
    CheckItem.objects.create(template=template, label="No parked cars", sort_order=1)
    check_runs_open(now=timezone.now())

    page = open_as("guard", PASSWORD, PHONE)
    page.get_by_test_id("home-checks").click()
    page.get_by_text("Gate patrol").click()
    page.locator("label.btn-outline-success").first.click()  # the big "OK" toggle
    page.locator("label.btn-outline-danger").nth(1).click()  # "problem" on the second item
    what = page.get_by_test_id(f"item-{template.items.last().pk}").get_by_label("隐患描述")
    expect(what).to_be_visible()  # shown once "problem" is chosen
    what.fill("A van blocks the gate")
    page.get_by_test_id("check-submit").click()
    expect(page.get_by_test_id("checks-due")).to_contain_text("已完成")
    assert page.errors == []

    run = CheckRun.objects.get(template=template)
    assert run.status == RunStatus.DONE and run.done_by == e2e_grid.users["guard"]
    hazard = Hazard.objects.get()
    assert hazard.cell == gate and "A van blocks the gate" in hazard.description
