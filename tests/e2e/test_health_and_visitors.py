"""Issue 4's phone journey: the class teacher records this morning's check with one student
away ill, the guard logs a visitor in and out, and the principal sees both on the home page.

The clock is set to a school day (a Monday in term) so the journey runs the same on any
day of the week; it keeps ticking from there.
"""

import datetime
import re
import time
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duties.health.models import ClassRoll, HealthCheck, IllnessCase
from duties.models import CellPost, Post, Visit
from duties.services import duty_library_seed

from ..factories import PASSWORD
from .conftest import PHONE

pytestmark = pytest.mark.e2e

SCHOOL_DAY = datetime.datetime(2026, 9, 7, 8, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def school_day(monkeypatch):
    started = time.monotonic()
    monkeypatch.setattr(
        timezone, "now", lambda: SCHOOL_DAY + datetime.timedelta(seconds=time.monotonic() - started)
    )


@pytest.fixture
def posts(e2e_grid):
    grid = e2e_grid
    duty_library_seed(grid.school)
    class_teacher = Post.objects.get(school=grid.school, code="class-teacher")
    for key in ["class1", "class2"]:
        CellPost.objects.create(cell=grid.cells[key], post=class_teacher)
        ClassRoll.objects.create(cell=grid.cells[key], enrolled=40)
    guard = Post.objects.get(school=grid.school, code="security-guard")
    CellPost.objects.create(cell=grid.cells["gate"], post=guard)
    return grid


def test_morning_check_and_a_visit_reach_the_principal(school_day, posts, open_as):
    # 1. The class teacher records the morning check: one student away with a fever.
    teacher = open_as("teacher", PASSWORD, PHONE)
    teacher.get_by_role("link", name="登记晨午检").click()
    teacher.get_by_test_id("session-morning").click()
    expect(teacher.locator("#id_enrolled")).to_have_value("40")
    teacher.get_by_role("button", name="添加缺勤学生").click()
    row = teacher.locator("[data-absence-row]").last
    row.get_by_placeholder("学生姓名").fill("李明")
    row.locator("select[name$='-reason']").select_option(label="因病")
    row.locator("select[name$='-symptom']").select_option(label="发热")
    expect(teacher.locator("#id_absent")).to_have_value("1")
    expect(teacher.locator("#id_present")).to_have_value("39")
    teacher.get_by_test_id("save-check").click()
    morning = teacher.get_by_test_id("session-morning")
    expect(morning).to_contain_text("实到 39 · 缺勤 1")
    expect(teacher.get_by_test_id("open-cases")).to_contain_text("李明")
    check = HealthCheck.objects.get()
    assert (check.date, check.present, check.absent) == (SCHOOL_DAY.date(), 39, 1)
    assert IllnessCase.objects.get().symptom == "fever"

    # 2. The guard logs a visitor in at the gate.
    guard = open_as("guard", PASSWORD, PHONE)
    guard.get_by_role("link", name=re.compile("来访登记")).click()
    guard.fill("#id_visitor", "张来访")
    guard.fill("#id_phone", "13900001234")
    guard.fill("#id_organisation", "自来水公司")
    guard.fill("#id_purpose", "抄水表")
    guard.fill("#id_host", "总务处")
    guard.fill("#id_health_check", "36.5℃")
    guard.get_by_role("button", name="登记进校").click()
    expect(guard.get_by_test_id("inside")).to_contain_text("张来访")

    # 3. The principal sees the check and the visitor inside on the home page.
    principal = open_as("principal", PASSWORD, PHONE)
    health = principal.get_by_test_id("home-health")
    expect(health.get_by_test_id("home-morning")).to_have_text("1/2")
    expect(health.get_by_test_id("home-absent")).to_have_text("1")
    expect(health.get_by_test_id("home-symptoms")).to_contain_text("发热 1")
    visitors = principal.get_by_test_id("home-visitors")
    expect(visitors.get_by_test_id("home-inside")).to_contain_text("张来访")
    expect(visitors.get_by_test_id("home-inside-count")).to_have_text("1")

    # 4. The visitor leaves; the principal's home shows nobody inside, one visit today.
    guard.get_by_test_id("inside").get_by_role("button", name="登记离校").click()
    expect(guard.get_by_test_id("inside")).not_to_contain_text("张来访")
    assert Visit.objects.get().left_by == posts.users["guard"]
    principal.reload()
    expect(visitors.get_by_test_id("home-inside-count")).to_have_text("0")
    expect(visitors.get_by_test_id("home-visits-today")).to_contain_text("今日来访 1 人次")

    # The summary page opens from the card.
    health.get_by_role("link", name=re.compile("汇总")).click()
    expect(principal.get_by_test_id("morning-done")).to_have_text("1/2")
    expect(
        principal.get_by_test_id("symptoms").locator("[data-symptom=fever] td").last
    ).to_have_text("1")
    for page in (teacher, guard, principal):
        assert page.errors == []
