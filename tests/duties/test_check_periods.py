"""Periods per frequency, and opening them: days, weeks, months, terms, holidays; idempotent
and in bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duties.checks.models import CheckRun, Frequency
from duties.checks.periods import SchoolCalendar, period_of
from duties.checks.services import check_runs_open
from grids import services as grid_services
from grids.models import Carve
from hazards.models import NonWorkingDay

from .checks_helpers import MONDAY, at, carry, checks_fixture  # noqa: F401

D = datetime.date
AUTUMN = [(D(2026, 9, 1), D(2027, 1, 20)), (D(2027, 2, 20), D(2027, 7, 10))]


def test_a_week_runs_monday_to_sunday_across_a_month_end():
    calendar = SchoolCalendar()
    assert period_of(Frequency.WEEKLY, D(2026, 12, 3), calendar) == (
        D(2026, 11, 30),
        D(2026, 12, 6),
    )
    assert period_of(Frequency.WEEKLY, D(2026, 12, 6), calendar) == (
        D(2026, 11, 30),
        D(2026, 12, 6),
    )
    assert period_of(Frequency.WEEKLY, D(2026, 12, 7), calendar)[0] == D(2026, 12, 7)


def test_a_month_is_the_calendar_month():
    calendar = SchoolCalendar()
    assert period_of(Frequency.MONTHLY, D(2027, 2, 14), calendar) == (D(2027, 2, 1), D(2027, 2, 28))
    assert period_of(Frequency.MONTHLY, D(2028, 2, 29), calendar) == (D(2028, 2, 1), D(2028, 2, 29))
    assert period_of(Frequency.MONTHLY, D(2026, 12, 31), calendar) == (
        D(2026, 12, 1),
        D(2026, 12, 31),
    )


def test_a_term_period_is_the_term_and_there_is_none_between_terms():
    calendar = SchoolCalendar(terms=AUTUMN)
    assert period_of(Frequency.TERM, D(2026, 11, 30), calendar) == AUTUMN[0]
    assert period_of(Frequency.TERM, D(2027, 1, 20), calendar) == AUTUMN[0]
    assert period_of(Frequency.TERM, D(2027, 2, 1), calendar) is None
    assert period_of(Frequency.TERM, D(2027, 2, 20), calendar) == AUTUMN[1]


@pytest.mark.parametrize(
    ("day", "school_day"),
    [
        (D(2026, 11, 30), True),  # Monday in term
        (D(2026, 12, 5), False),  # Saturday
        (D(2026, 12, 6), False),  # Sunday
        (D(2027, 1, 1), False),  # New Year: a non-working day
        (D(2027, 2, 3), False),  # Wednesday in the winter holiday, between terms
        (D(2027, 2, 22), True),  # Monday of the spring term
    ],
)
def test_school_days_skip_weekends_holidays_and_the_time_between_terms(day, school_day):
    calendar = SchoolCalendar(terms=AUTUMN, holidays={D(2027, 1, 1)})
    assert calendar.is_school_day(day) is school_day
    assert (period_of(Frequency.SCHOOL_DAYS, day, calendar) is not None) is school_day
    assert period_of(Frequency.DAILY, day, calendar) == (day, day)


def test_without_terms_every_weekday_is_a_school_day():
    assert SchoolCalendar().is_school_day(D(2027, 2, 3))


def runs(template=None):
    rows = CheckRun.objects.all()
    if template is not None:
        rows = rows.filter(template=template)
    return sorted(rows.values_list("cell__code", "period_start", "period_end"))


def test_a_monday_opens_every_check_of_its_cells(grid, checks):
    check_runs_open(now=at(MONDAY))
    assert runs(checks["classroom"]) == [
        ("class1", MONDAY, MONDAY),
        ("class2", MONDAY, MONDAY),
    ]
    assert runs(checks["gate"]) == [("gate", MONDAY, MONDAY)]
    assert runs(checks["weekly"]) == [("general", MONDAY, D(2026, 12, 6))]
    assert runs(checks["fire"]) == [("general", D(2026, 11, 1), D(2026, 11, 30))]
    assert runs(checks["term"]) == [("general", D(2026, 9, 1), D(2027, 1, 20))]
    assert runs(checks["south"]) == [("south_class", MONDAY, MONDAY)]


def test_a_week_of_days_opens_one_weekly_one_monthly_and_school_days_only_on_weekdays(grid, checks):
    NonWorkingDay.objects.create(school=grid.school, date=D(2026, 12, 2), note="Sports day off")
    for offset in range(7):  # Monday 30 November to Sunday 6 December, twice a day
        check_runs_open(now=at(MONDAY + datetime.timedelta(days=offset), 0))
        check_runs_open(now=at(MONDAY + datetime.timedelta(days=offset), 6))
    classroom_days = {start for _code, start, _end in runs(checks["classroom"])}
    assert classroom_days == {D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 3), D(2026, 12, 4)}
    assert len(runs(checks["gate"])) == 7
    assert runs(checks["weekly"]) == [("general", MONDAY, D(2026, 12, 6))]
    assert runs(checks["fire"]) == [
        ("general", D(2026, 11, 1), D(2026, 11, 30)),
        ("general", D(2026, 12, 1), D(2026, 12, 31)),
    ]
    assert len(runs(checks["term"])) == 1
    # The other school has no holiday on 2 December.
    assert len(runs(checks["south"])) == 5


def test_between_terms_no_term_or_school_day_checks_open(grid, checks):
    check_runs_open(now=at(D(2027, 2, 3)))  # Wednesday of the winter holiday
    assert runs(checks["classroom"]) == []
    assert runs(checks["term"]) == []
    assert len(runs(checks["gate"])) == 1
    check_runs_open(now=at(D(2027, 2, 22)))
    assert runs(checks["term"]) == [("general", D(2027, 2, 20), D(2027, 7, 10))]


def test_running_twice_changes_nothing(grid, checks):
    check_runs_open(now=at(MONDAY, 0))
    first = list(CheckRun.objects.order_by("pk").values())
    check_runs_open(now=at(MONDAY, 6))
    assert list(CheckRun.objects.order_by("pk").values()) == first


def test_an_inactive_check_or_duty_opens_nothing(grid, checks):
    checks["gate"].is_active = False
    checks["gate"].save()
    checks["fire"].duty.is_active = False
    checks["fire"].duty.save()
    check_runs_open(now=at(MONDAY))
    assert runs(checks["gate"]) == [] and runs(checks["fire"]) == []


def test_a_level_duty_opens_in_every_cell_of_its_level(grid, checks):
    from duties.checks.models import CheckTemplate
    from duties.models import Duty

    duty = Duty.objects.filter(school=grid.school, level=3).first()
    template = CheckTemplate.objects.create(duty=duty, title="Level 3", frequency=Frequency.DAILY)
    check_runs_open(now=at(MONDAY))
    assert {code for code, *_ in runs(template)} == {"grade1", "general", "security", "village"}


def queries_to_open(now) -> int:
    with CaptureQueriesContext(connection) as captured:
        check_runs_open(now=now)
    return len(captured)


def test_opening_takes_the_same_queries_for_many_cells(grid, checks):
    few = queries_to_open(at(MONDAY))
    for n in range(60):
        cell = grid_services.cell_create(
            school=grid.school,
            parent=grid.cells["grade1"],
            code=f"extra{n}",
            name=f"Extra {n}",
            scope="inside",
            carve=Carve.SPACE,
        )
        carry(cell, "class-teacher")
    many = queries_to_open(at(MONDAY + datetime.timedelta(days=1)))
    assert CheckRun.objects.filter(template=checks["classroom"]).count() == 2 + 62
    assert many == few
    assert many <= 10
