"""The demo rosters: this week's and next week's duty-week teachers, weekend duty and the
coming New Year, loaded once whatever day the demo is loaded on."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from duties.models import RosterChange, RosterDay, RosterSource
from duties.roster.demo import coming_new_year, demo_rosters_seed
from duties.roster.selectors import week_start
from grids.coverage import grid_problems
from grids.models import GridCell, RosterKind, School


def test_the_demo_marks_its_time_bound_cells_and_rosters_them_once(db):
    call_command("seed_demo")
    call_command("seed_demo")
    school = School.objects.get(code="qingshi")
    kinds = dict(school.cells.exclude(roster_kind="").values_list("code", "roster_kind"))
    assert kinds == {"2-03-02-01": RosterKind.DUTY_WEEK, "2-03-02-02": RosterKind.HOLIDAY}
    assert RosterChange.objects.filter(source=RosterSource.SEED).count() == 1
    assert [p for p in grid_problems(school) if p.code == "no_one_on_duty"] == []


@pytest.mark.parametrize("weekday", range(7))
def test_the_coming_week_is_covered_whatever_the_day(db, weekday):
    call_command("seed_demo")
    school = School.objects.get(code="qingshi")
    RosterDay.objects.all().delete()  # reseed as if loaded on another day of the week
    RosterChange.objects.all().delete()
    today = week_start(datetime.date(2027, 3, 1)) + datetime.timedelta(days=weekday)
    assert demo_rosters_seed(school, today) > 0
    assert demo_rosters_seed(school, today) == 0
    gaps = [p for p in grid_problems(school, on=today) if p.code == "no_one_on_duty"]
    assert gaps == []


def test_holiday_duty_covers_the_coming_new_year(db):
    call_command("seed_demo")
    holiday = GridCell.objects.get(school__code="qingshi", code="2-03-02-02")
    days = coming_new_year(timezone.localdate())
    covered = RosterDay.objects.current().filter(cell=holiday, day__in=days, person__isnull=False)
    assert covered.count() == 3
    assert coming_new_year(datetime.date(2026, 12, 31))[0] == datetime.date(2027, 1, 1)
    assert coming_new_year(datetime.date(2027, 1, 2))[0] == datetime.date(2027, 1, 1)
