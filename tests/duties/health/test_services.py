"""The health check's rules: totals add up, school days only, corrections are new records,
unknown absences are followed up, illness cases stay open until the return is logged."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from duties.checks.models import Term
from duties.health import calendar, services
from duties.health.models import (
    Absence,
    FollowUp,
    HealthCheck,
    IllnessCase,
)
from duties.health.selectors import unresolved_unknowns
from duties.health.services import AbsenceRow, health_check_record
from hazards.models import NonWorkingDay

from .conftest import MONDAY, SATURDAY, TUESDAY, WEDNESDAY, at, record


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def test_present_plus_absent_must_equal_enrolled(classes):
    grid = classes
    with pytest.raises(ValidationError) as caught:
        health_check_record(
            cell=grid.cells["class1"],
            day=MONDAY,
            session="morning",
            enrolled=40,
            present=38,
            absent=1,
            rows=[AbsenceRow("Li", "leave")],
            actor=grid.users["teacher"],
        )
    assert messages_of(caught.value) == [
        str(services.TOTALS_DONT_ADD_UP % {"present": 38, "absent": 1, "enrolled": 40})
    ]
    assert not HealthCheck.objects.exists() and not Absence.objects.exists()


def test_every_absent_student_is_listed_once_and_an_illness_has_a_symptom(classes):
    grid = classes
    with pytest.raises(ValidationError) as caught:
        health_check_record(
            cell=grid.cells["class1"],
            day=MONDAY,
            session="morning",
            enrolled=40,
            present=37,
            absent=3,
            rows=[AbsenceRow("Li", "illness"), AbsenceRow("Li", "leave")],
            actor=grid.users["teacher"],
        )
    assert messages_of(caught.value) == [
        str(services.ROWS_DONT_MATCH % {"absent": 3, "rows": 2}),
        str(services.SYMPTOM_REQUIRED % {"student": "Li"}),
        str(services.LISTED_TWICE % {"student": "Li"}),
    ]
    assert not HealthCheck.objects.exists() and not IllnessCase.objects.exists()


def test_the_database_refuses_totals_that_dont_add_up(classes):
    from django.db import IntegrityError, transaction

    grid = classes
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCheck.objects.create(
            cell=grid.cells["class1"],
            date=MONDAY,
            session="morning",
            enrolled=40,
            present=40,
            absent=1,
            recorded_by=grid.users["teacher"],
            recorded_at=at(MONDAY),
        )


@pytest.mark.parametrize("day", [SATURDAY, SATURDAY + datetime.timedelta(days=1)])
def test_no_check_on_a_weekend(classes, day):
    with pytest.raises(ValidationError) as caught:
        record(classes, day=day)
    assert messages_of(caught.value) == [str(services.NOT_A_SCHOOL_DAY % {"date": day})]
    assert not HealthCheck.objects.exists()


def test_no_check_on_a_holiday_and_school_days_skip_it(classes):
    NonWorkingDay.objects.create(school=classes.school, date=TUESDAY, note="holiday")
    with pytest.raises(ValidationError):
        record(classes, day=TUESDAY)
    record(classes, day=TUESDAY, cell="south_class")  # the other school is at school
    assert calendar.is_school_day(classes.school, MONDAY)
    assert not calendar.is_school_day(classes.school, TUESDAY)
    friday = MONDAY - datetime.timedelta(days=3)
    assert calendar.school_days_before(classes.school, WEDNESDAY, 3) == [friday, MONDAY, WEDNESDAY]


def test_a_correction_is_a_new_record_and_the_latest_counts(classes):
    grid = classes
    first = record(grid, rows=[("Li", "leave", "")])
    second = record(
        grid, rows=[("Li", "leave", ""), ("Wang", "unknown", "")], actor=grid.users["teacher"]
    )
    assert HealthCheck.objects.count() == 2
    assert list(HealthCheck.objects.current()) == [second]
    first.refresh_from_db()
    assert (first.absent, first.absences.count()) == (1, 1)
    assert second.recorded_by == grid.users["teacher"] and second.recorded_at == at(MONDAY)


def test_an_illness_opens_a_case_that_later_checks_join_until_the_return(classes):
    grid = classes
    record(grid, rows=[("Li", "illness", "fever")])
    record(grid, session="noon", rows=[("Li", "illness", "fever")])
    record(grid, day=TUESDAY, rows=[("Li", "illness", "fever")])
    case = IllnessCase.objects.get()
    assert (case.student, case.symptom, case.started_on, case.returned_on) == (
        "Li",
        "fever",
        MONDAY,
        None,
    )
    assert Absence.objects.filter(case=case).count() == 3

    services.illness_case_return(
        case=case, returned_on=WEDNESDAY, actor=grid.users["teacher"], now=at(WEDNESDAY)
    )
    case.refresh_from_db()
    assert (case.returned_on, case.returned_by) == (WEDNESDAY, grid.users["teacher"])
    with pytest.raises(ValidationError) as again:
        services.illness_case_return(
            case=case, returned_on=WEDNESDAY, actor=grid.users["teacher"], now=at(WEDNESDAY)
        )
    assert messages_of(again.value) == [str(services.ALREADY_RETURNED)]
    # Ill again later: a new case.
    record(grid, day=WEDNESDAY, session="noon", rows=[("Li", "illness", "cough")])
    assert IllnessCase.objects.filter(returned_on=None).get().symptom == "cough"


def test_a_return_date_outside_the_illness_is_refused(classes):
    grid = classes
    record(grid, day=TUESDAY, rows=[("Li", "illness", "rash")])
    case = IllnessCase.objects.get()
    for day in [MONDAY, WEDNESDAY + datetime.timedelta(days=1)]:
        with pytest.raises(ValidationError):
            services.illness_case_return(
                case=case, returned_on=day, actor=grid.users["teacher"], now=at(WEDNESDAY)
            )
    case.refresh_from_db()
    assert case.returned_on is None


def test_an_unknown_absence_stays_a_warning_until_a_follow_up_finds_the_reason(classes):
    grid = classes
    cells = [grid.cells["class1"]]
    record(grid, rows=[("Wang", "unknown", "")])
    record(grid, session="noon", rows=[("Wang", "unknown", "")])
    assert [a.student for a in unresolved_unknowns(cells, MONDAY, MONDAY)] == ["Wang", "Wang"]

    follow = dict(
        cell=grid.cells["class1"], day=MONDAY, student="Wang", actor=grid.users["teacher"]
    )
    services.follow_up_record(result="not_reached", now=at(MONDAY, 10), **follow)
    assert unresolved_unknowns(cells, MONDAY, MONDAY).count() == 2

    with pytest.raises(ValidationError):  # an illness needs its symptom
        services.follow_up_record(result="illness", now=at(MONDAY, 11), **follow)
    services.follow_up_record(result="illness", symptom="vomiting", now=at(MONDAY, 11), **follow)
    assert not unresolved_unknowns(cells, MONDAY, MONDAY).exists()
    case = IllnessCase.objects.get()
    assert (case.student, case.symptom, case.started_on) == ("Wang", "vomiting", MONDAY)
    assert list(FollowUp.objects.values_list("result", flat=True)) == ["not_reached", "illness"]
    # What was recorded stays as it was: the absences still say "unknown".
    assert set(Absence.objects.values_list("reason", flat=True)) == {"unknown"}


def test_a_follow_up_needs_an_unknown_absence(classes):
    grid = classes
    record(grid, rows=[("Li", "leave", "")])
    with pytest.raises(ValidationError) as caught:
        services.follow_up_record(
            cell=grid.cells["class1"],
            day=MONDAY,
            student="Li",
            result="leave",
            actor=grid.users["teacher"],
        )
    assert messages_of(caught.value) == [
        str(services.NOTHING_TO_FOLLOW_UP % {"student": "Li", "date": MONDAY})
    ]
    assert not FollowUp.objects.exists()


def test_a_corrected_unknown_no_longer_needs_a_follow_up(classes):
    grid = classes
    record(grid, rows=[("Wang", "unknown", "")])
    record(grid, rows=[("Wang", "leave", "")])
    assert not unresolved_unknowns([grid.cells["class1"]], MONDAY, MONDAY).exists()


def test_between_terms_there_is_no_check_the_same_calendar_as_the_recurring_checks(classes):
    Term.objects.create(
        school=classes.school,
        name="Autumn",
        start=MONDAY,
        end=MONDAY + datetime.timedelta(days=90),
    )
    friday_before = MONDAY - datetime.timedelta(days=3)  # a weekday, but before the term
    assert not calendar.is_school_day(classes.school, friday_before)
    with pytest.raises(ValidationError):
        record(classes, day=friday_before)
    assert calendar.school_days_before(classes.school, WEDNESDAY, 5) == [
        MONDAY,
        TUESDAY,
        WEDNESDAY,
    ]
