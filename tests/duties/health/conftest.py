"""The health check tests' set-up: the classes of the conftest grid, a clock, a recorder."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from duties.health.models import ClassRoll
from duties.health.services import AbsenceRow, health_check_record
from duties.models import CellPost, Post
from duties.services import duty_library_seed

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 9, 7)
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)
SATURDAY = MONDAY + datetime.timedelta(days=5)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def classes(grid):
    """class1, class2 (north) and south_class carry the class teacher's post and a roll."""
    for school, keys in [(grid.school, ["class1", "class2"]), (grid.other_school, ["south_class"])]:
        duty_library_seed(school)
        post = Post.objects.get(school=school, code="class-teacher")
        for key in keys:
            CellPost.objects.create(cell=grid.cells[key], post=post)
            ClassRoll.objects.create(cell=grid.cells[key], enrolled=40)
    return grid


@pytest.fixture
def travel(monkeypatch):
    """Set the clock: `travel(day, hour)`; timezone.now() and localdate() follow."""

    def to(day: datetime.date, hour: int = 9):
        moment = at(day, hour)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return to


def record(grid, cell="class1", day=MONDAY, session="morning", rows=(), enrolled=40, actor=None):
    """A check with `rows` as (student, reason, symptom) absences; totals that add up."""
    rows = [AbsenceRow(*row) for row in rows]
    return health_check_record(
        cell=grid.cells[cell],
        day=day,
        session=session,
        enrolled=enrolled,
        present=enrolled - len(rows),
        absent=len(rows),
        rows=rows,
        actor=actor or grid.users["teacher"],
        now=at(day),
    )
