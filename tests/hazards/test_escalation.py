"""Escalation climbs one level per overdue period, records and tells each step once."""

import datetime

import pytest

from hazards.clock import Clock
from hazards.escalation import escalation_scan
from hazards.models import Action, Escalation, HazardEvent, NonWorkingDay, Notification

from .helpers import T0, accept, report

H = datetime.timedelta(hours=1)


def escalations(hazard):
    return list(
        Escalation.objects.filter(hazard=hazard)
        .order_by("stage", "level")
        .values_list("stage", "level", "cell__code")
    )


def escalate_events(hazard):
    return HazardEvent.objects.filter(hazard=hazard, action=Action.ESCALATE).count()


def told(grid, persona):
    return Notification.objects.filter(recipient=grid.users[persona], reason="escalated").count()


def test_not_accepted_in_time_climbs_to_level_1(grid):
    hazard = report(grid, cell="class2")  # general: accept within 24 h, then every 24 h
    assert escalation_scan(now=T0 + 23 * H) == 0
    assert escalation_scan(now=T0 + 25 * H) == 1
    assert escalations(hazard) == [("accept", 1, "grade1")]
    assert escalation_scan(now=T0 + 49 * H) == 1
    assert escalation_scan(now=T0 + 73 * H) == 1
    assert escalations(hazard) == [
        ("accept", 1, "grade1"),
        ("accept", 2, "teaching"),
        ("accept", 3, "root"),
    ]
    assert escalation_scan(now=T0 + 300 * H) == 0  # level 1 is as high as it goes
    hazard.refresh_from_db()
    assert hazard.escalation_level == 3
    assert escalate_events(hazard) == 3
    # grade1's head has no login, so the teaching manager hears of levels 1 and 2.
    assert told(grid, "manager") == 2 and told(grid, "principal") == 1


def test_a_missed_scan_catches_up_all_levels_at_once(grid):
    hazard = report(grid, cell="class2")
    assert escalation_scan(now=T0 + 100 * H) == 3
    assert [level for _s, level, _c in escalations(hazard)] == [1, 2, 3]


def test_running_twice_changes_nothing(grid):
    hazard = report(grid, cell="class2")
    escalation_scan(now=T0 + 25 * H)
    escalation_scan(now=T0 + 25 * H)
    escalation_scan(now=T0 + 26 * H)
    assert escalate_events(hazard) == 1
    assert Notification.objects.filter(reason="escalated").count() == 1


def test_rectification_late_starts_its_own_climb(grid):
    hazard = report(grid, cell="class2")
    escalation_scan(now=T0 + 25 * H)  # accepted late: one step
    accept(grid, hazard, actor="manager", assignee="teacher2", now=T0 + 26 * H)
    hazard.refresh_from_db()
    assert hazard.escalation_level == 0
    due = hazard.rectify_due_at
    assert escalation_scan(now=due - H) == 0
    assert escalation_scan(now=due + H) == 1
    assert escalations(hazard) == [("accept", 1, "grade1"), ("rectify", 1, "grade1")]


def test_closed_or_accepted_hazards_do_not_escalate(grid):
    hazard = report(grid, cell="class2")
    accept(grid, hazard, actor="manager", assignee="teacher2", now=T0 + H)
    assert escalation_scan(now=T0 + 25 * H) == 0
    assert escalations(hazard) == []


def test_a_hazard_in_the_level_1_cell_has_nowhere_to_go(grid):
    hazard = report(grid, cell="root")
    assert escalation_scan(now=T0 + 1000 * H) == 0
    assert escalations(hazard) == []


def test_rows_claimed_by_one_run_are_not_taken_by_another(grid):
    """Phase two claims rows with a guarded update: a second run finds none left."""
    from hazards.escalation import create_due_escalations
    from hazards.workflow import escalations_apply

    hazard = report(grid, cell="class2")
    create_due_escalations(T0 + 25 * H)
    create_due_escalations(T0 + 25 * H)  # the unique constraint swallows the repeat
    assert Escalation.objects.filter(hazard=hazard).count() == 1
    assert escalations_apply(T0 + 25 * H) == 1
    assert escalations_apply(T0 + 25 * H) == 0
    assert escalate_events(hazard) == 1


def test_working_day_clock_skips_weekends_and_holidays(grid):
    settings = grid.school.hazard_settings
    settings.skip_non_working_days = True
    settings.save()
    NonWorkingDay.objects.create(school=grid.school, date=datetime.date(2026, 11, 9))
    friday = T0 + 4 * 24 * H  # Friday 09:00
    clock = Clock.for_school(grid.school)
    # 24 working hours from Friday 09:00: 15 h Friday, Saturday and Sunday skipped,
    # Monday the 9th a holiday, 9 h on Tuesday.
    assert clock.add(friday, 24) == T0 + 8 * 24 * H
    assert clock.elapsed(friday, T0 + 8 * 24 * H) == 24 * H

    hazard = report(grid, cell="class2", now=friday)
    assert hazard.accept_due_at == T0 + 8 * 24 * H
    assert escalation_scan(now=T0 + 7 * 24 * H) == 0  # Monday: still inside the deadline


def test_calendar_clock_by_default(grid):
    clock = Clock.for_school(grid.school)
    assert clock.add(T0, 24) == T0 + 24 * H


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_escalate_once():
    import threading

    from django.db import connection, connections

    from ..conftest import build_grid, require

    require(connection.vendor == "postgresql", "postgres", "row locks need PostgreSQL")
    grid = build_grid()
    hazards = [report(grid, cell="class2") for _ in range(20)]
    barrier = threading.Barrier(3)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(escalation_scan(now=T0 + 100 * H))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 60  # 20 hazards x 3 levels, however the runs shared them
    assert HazardEvent.objects.filter(action=Action.ESCALATE).count() == 60
    for hazard in hazards:
        assert escalate_events(hazard) == 3


def test_clock_before_is_the_latest_start_that_far_back(grid):
    NonWorkingDay.objects.create(school=grid.school, date=datetime.date(2026, 11, 9))
    calendar = Clock()
    working = Clock(skip_non_working_days=True, holidays={datetime.date(2026, 11, 9)})
    minute = datetime.timedelta(minutes=1)
    for end in [T0 + n * 7 * H for n in range(40)]:  # Monday 2 to Wednesday 14 November
        for hours in [0, 1, 15, 24, 48, 72]:
            for clock in (calendar, working):
                start = clock.before(end, hours)
                assert clock.elapsed(start, end) == hours * H, (end, hours)
                if hours:
                    assert clock.elapsed(start + minute, end) < hours * H, (end, hours)


def test_the_scan_takes_every_school_as_far_as_its_own_clock_says(grid):
    """Many hazards in both schools, one of them on working days: the rows the scan inserts
    are exactly those the rule gives hazard by hazard (one level per period past the
    deadline, up to level 1), each with the ancestor that many levels up."""
    from hazards.clock import settings_for
    from hazards.models import Hazard

    south = grid.other_school.hazard_settings
    south.skip_non_working_days = True
    south.save()
    NonWorkingDay.objects.create(school=grid.other_school, date=datetime.date(2026, 11, 9))
    for n in range(12):
        report(grid, cell="class2", severity="serious" if n % 3 else "general", now=T0 + n * 7 * H)
        report(grid, reporter="outsider", cell="south_class", now=T0 + n * 9 * H)
    now = T0 + 130 * H
    expected = set()
    for hazard in Hazard.objects.select_related("cell"):
        clock = Clock.for_school(hazard.school_id)
        period = settings_for(hazard.school_id).hours("escalate", hazard.severity) * H
        if hazard.accept_due_at > now:
            continue
        steps = min(1 + int(clock.elapsed(hazard.accept_due_at, now) / period), hazard.cell.depth)
        ancestors = list(hazard.cell.get_ancestors(ascending=True))
        expected |= {(hazard.pk, level, ancestors[level - 1].pk) for level in range(1, steps + 1)}
    assert len(expected) > 24
    assert escalation_scan(now=now) == len(expected)
    assert set(Escalation.objects.values_list("hazard", "level", "cell")) == expected
    for hazard in Hazard.objects.all():
        levels = [level for h, level, _cell in expected if h == hazard.pk]
        assert hazard.escalation_level == max(levels, default=0)
