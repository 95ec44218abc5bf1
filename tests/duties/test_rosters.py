"""Rosters: who holds a time-bound cell on a given day, append-only changes with who, when and
why, hazards in a duty cell going to whoever is on duty, and the coverage of the coming week."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from duties.models import RosterAction, RosterChange, RosterDay
from duties.roster import selectors, services
from grids import access
from grids.coverage import grid_problems
from hazards import permissions as hazard_permissions
from hazards import workflow
from hazards.models import Notification

from ..hazards.helpers import T0
from .roster_helpers import MONDAY, day


def plan(grid, cell, person, first, last=None, actor="office", reason="", note=""):
    return services.roster_set(
        cell=grid.cells[cell],
        person=grid.people[person] if person else None,
        first=first,
        last=last or first,
        note=note,
        reason=reason,
        actor=grid.users[actor],
    )


def test_the_roster_names_who_is_on_duty_on_each_day(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(4))
    plan(grid, "duty_week", "teacher2", day(7), day(11))
    cell = duty_cells["duty_week"]
    assert selectors.on_duty(cell, day(2)) == grid.people["teacher"]
    assert selectors.on_duty(cell, day(5)) is None  # the weekend is not a duty-week day
    assert selectors.on_duty(cell, day(8)) == grid.people["teacher2"]
    assert selectors.on_duty(duty_cells["holiday"], day(2)) is None


def test_rights_follow_the_roster_day_by_day(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(1))
    teacher, cell = grid.users["teacher"], duty_cells["duty_week"]
    assert access.covers(teacher, cell)
    assert not access.covers(teacher, duty_cells["holiday"])
    assert not access.covers(teacher, grid.cells["class2"])  # the duty right is one cell's

    travel(day(2))  # the next day: the hourly sync takes the right back
    services.roster_rights_sync(grid.school)
    assert not access.covers(teacher, cell)
    travel(day(1))
    services.roster_rights_sync(grid.school)
    assert access.covers(teacher, cell)


def test_a_replacement_is_a_new_row_and_the_old_one_stays(grid, duty_cells, travel):
    first = plan(grid, "duty_week", "teacher", day(0), day(4), note="gate at 7:30")
    second = plan(grid, "duty_week", "teacher2", day(2), reason="Teacher is ill")
    cell = duty_cells["duty_week"]
    assert selectors.on_duty(cell, day(2)) == grid.people["teacher2"]
    assert selectors.on_duty(cell, day(3)) == grid.people["teacher"]

    replaced = RosterDay.objects.get(change=first, day=day(2))
    successor = RosterDay.objects.get(change=second)
    assert successor.supersedes == replaced and successor.action == RosterAction.REPLACE
    assert replaced.person == grid.people["teacher"] and replaced.note == "gate at 7:30"
    assert second.reason == "Teacher is ill" and second.created_by == grid.users["office"]
    assert second.created_at is not None
    assert RosterDay.objects.count() == 6


def test_replacing_or_cancelling_someone_needs_a_reason(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(4))
    with pytest.raises(ValidationError) as error:
        plan(grid, "duty_week", "teacher2", day(1))
    assert str(day(1)) in error.value.messages[0]
    with pytest.raises(ValidationError):
        plan(grid, "duty_week", None, day(1))
    assert RosterChange.objects.count() == 1 and RosterDay.objects.count() == 5


def test_a_cancellation_leaves_the_day_empty_and_keeps_the_history(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(4))
    plan(grid, "duty_week", None, day(3), reason="School trip")
    cell = duty_cells["duty_week"]
    assert selectors.on_duty(cell, day(3)) is None
    cancelled = RosterDay.objects.get(action=RosterAction.CANCEL)
    assert cancelled.person is None and cancelled.supersedes.person == grid.people["teacher"]
    history = selectors.roster_history([cell])
    assert [c.reason for c in history] == ["School trip", ""]
    assert [s["action"] for s in selectors.segments(history[0].shown_days)] == ["cancel"]


def test_the_same_plan_twice_changes_nothing(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(4))
    with pytest.raises(ValidationError) as error:
        plan(grid, "duty_week", "teacher", day(0), day(4))
    assert error.value.messages == [str(services.NOTHING_CHANGED)]
    assert RosterChange.objects.count() == 1


@pytest.mark.parametrize(
    ("cell", "first", "last", "message"),
    [
        ("duty_week", -1, 0, services.PAST_DAY),
        ("duty_week", 3, 1, services.DAYS_ORDER),
        ("duty_week", 0, services.MAX_DAYS, services.TOO_MANY_DAYS % {"days": services.MAX_DAYS}),
        ("class1", 0, 0, services.NOT_TIME_BOUND % {"cell": "Class1"}),
    ],
)
def test_bad_entries_are_refused_with_a_reason(
    grid, duty_cells, travel, cell, first, last, message
):
    with pytest.raises(ValidationError) as error:
        plan(grid, cell, "teacher", day(first), day(last))
    assert error.value.messages == [str(message)]
    assert not RosterDay.objects.exists()


def test_a_person_of_another_school_cannot_be_rostered(grid, duty_cells, travel):
    with pytest.raises(ValidationError):
        plan(grid, "duty_week", "outsider", day(0))
    assert not RosterDay.objects.exists()


# Hazards in a time-bound cell -------------------------------------------------------------


def report_in(grid, cell, now):
    category = grid.school.hazard_categories.get(code="fire")
    return workflow.hazard_report(
        reporter=grid.users["guard"],
        cell=grid.cells[cell],
        category=category,
        severity="general",
        description="Broken railing by the bus stop",
        now=now,
    )


def test_a_hazard_in_the_duty_cell_goes_to_whoever_is_on_duty(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(4))
    now = T0 + datetime.timedelta(days=(MONDAY - T0.date()).days)
    hazard = report_in(grid, "duty_week", now)
    asked = set(
        Notification.objects.filter(hazard=hazard).values_list("recipient__username", flat=True)
    )
    assert asked == {"teacher"}  # not the office: someone is on duty
    teacher = grid.users["teacher"]
    assert hazard_permissions.visible_hazards(teacher).filter(pk=hazard.pk).exists()

    accepted = workflow.hazard_accept(
        hazard_id=hazard.pk,
        actor=teacher,
        assignee=grid.people["teacher"],
        now=now + datetime.timedelta(minutes=10),
    )
    assert accepted.assignee == grid.people["teacher"]


def test_with_nobody_on_duty_the_cells_managers_are_asked(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0), day(1))
    plan(grid, "duty_week", None, day(1), reason="Sick")
    travel(day(1))
    services.roster_rights_sync(grid.school)
    now = T0 + datetime.timedelta(days=(day(1) - T0.date()).days)
    hazard = report_in(grid, "duty_week", now)
    asked = set(
        Notification.objects.filter(hazard=hazard).values_list("recipient__username", flat=True)
    )
    assert asked == {"office"}
    assert (
        not hazard_permissions.visible_hazards(grid.users["teacher"]).filter(pk=hazard.pk).exists()
    )


def test_on_duty_does_not_reach_the_school_leader_list(grid, duty_cells, travel):
    plan(grid, "duty_week", "teacher", day(0))
    assert not access.is_school_leader(grid.users["teacher"], grid.school)


# Coverage --------------------------------------------------------------------------------


def duty_gaps(grid, on):
    return [
        (p.cell.code, p.message)
        for p in grid_problems(grid.school, on=on)
        if p.code == "no_one_on_duty"
    ]


def test_coverage_lists_each_day_of_the_coming_week_without_anyone(grid, duty_cells, travel):
    gaps = duty_gaps(grid, MONDAY)
    assert [code for code, _message in gaps] == ["duty_week"] * 5 + ["holiday"] * 2
    assert str(day(0)) in gaps[0][1] and str(day(6)) in gaps[-1][1]

    plan(grid, "duty_week", "teacher", day(0), day(4))
    plan(grid, "holiday", "teacher2", day(5), day(6))
    assert duty_gaps(grid, MONDAY) == []
    plan(grid, "duty_week", None, day(2), reason="Trip")
    expected = str(selectors.NO_ONE_ON_DUTY % {"date": day(2).isoformat()})
    assert duty_gaps(grid, MONDAY) == [("duty_week", expected)]


def test_a_school_holiday_moves_the_need_from_duty_week_to_holiday_duty(grid, duty_cells, travel):
    from hazards.models import NonWorkingDay

    NonWorkingDay.objects.create(school=grid.school, date=day(2))
    codes = [code for code, _message in duty_gaps(grid, MONDAY)]
    assert codes == ["duty_week"] * 4 + ["holiday"] * 3


def test_beat_moves_the_on_duty_right_every_hour(grid, duty_cells, travel):
    from gridsafety.celery import app

    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"].endswith("sync_on_duty_rights")
    )
    assert entry["task"] in app.tasks  # registered, so the worker runs it
    plan(grid, "duty_week", "teacher", day(0))
    travel(day(1))
    result = app.tasks[entry["task"]].delay().get()
    assert result["north"] == (0, 1)  # the teacher's right for yesterday withdrawn
    assert not access.covers(grid.users["teacher"], duty_cells["duty_week"])
