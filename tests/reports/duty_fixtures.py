"""A day of duties on the conftest grid, counted by hand: health checks, recurring checks in
every state, and a duty roster. "Today" is Monday 2026-09-07, 15:00 in Shanghai."""

import datetime

from django.utils import timezone

from duties.checks.models import CheckRun, RunStatus
from duties.health.models import ClassRoll
from duties.health.services import AbsenceRow, health_check_record
from duties.roster import services as roster_services
from grids import services as grid_services
from grids.models import RosterKind
from tests.duties.checks_helpers import make_checks

TODAY = datetime.date(2026, 9, 7)  # a Monday
NOW = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(15)))


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _health(grid, cell, session, rows):
    rows = [AbsenceRow(*row) for row in rows]
    health_check_record(
        cell=grid.cells[cell],
        day=TODAY,
        session=session,
        enrolled=40,
        present=40 - len(rows),
        absent=len(rows),
        rows=rows,
        actor=grid.users["teacher"],
        now=at(TODAY, 8 if session == "morning" else 13),
    )


def run(template, cell, first, last, status=RunStatus.OPEN, by=None, missed_on=None):
    return CheckRun.objects.create(
        template=template,
        cell=cell,
        period_start=first,
        period_end=last,
        status=status,
        opened_at=at(first, 0),
        done_at=at(last, 10) if status == RunStatus.DONE else None,
        done_by=by,
        missed_at=at(missed_on, 0) if missed_on else None,
        missed_on=missed_on,
    )


def build_duty_day(grid) -> dict:
    """Health (north: class1 both sessions, class2 the morning; south_class the morning):

    - class1 morning: A ill (fever), B on leave; noon: A ill (fever)
    - class2 morning: C ill (cough); noon not done
    - south_class morning: three ill with fever

    Checks (north only) current today: classroom class1 done (teacher), classroom class2 open,
    gate patrol done (guard), weekly walk in general open (to 09-13). Missed, found today:
    classroom class2 of 09-04, gate patrol of 09-06. Missed before: classroom class1 of 09-03
    (found 09-04). Done before the week: classroom class1 of 08-31.

    Roster: a duty-week cell under general, the teacher on duty today.
    """
    checks = make_checks(grid)
    for key in ("class1", "class2", "south_class"):
        ClassRoll.objects.create(cell=grid.cells[key], enrolled=40)
    _health(grid, "class1", "morning", [("A", "illness", "fever"), ("B", "leave")])
    _health(grid, "class1", "noon", [("A", "illness", "fever")])
    _health(grid, "class2", "morning", [("C", "illness", "cough")])
    _health(grid, "south_class", "morning", [(s, "illness", "fever") for s in "DEF"])

    c = grid.cells
    teacher, guard = grid.users["teacher"], grid.users["guard"]
    classroom, gate, weekly = checks["classroom"], checks["gate"], checks["weekly"]
    runs = {
        "class1_today": run(classroom, c["class1"], TODAY, TODAY, RunStatus.DONE, teacher),
        "class2_today": run(classroom, c["class2"], TODAY, TODAY),
        "gate_today": run(gate, c["gate"], TODAY, TODAY, RunStatus.DONE, guard),
        "weekly": run(weekly, c["general"], TODAY, days(6)),
        "class2_missed": run(
            classroom, c["class2"], days(-3), days(-3), RunStatus.MISSED, missed_on=TODAY
        ),
        "gate_missed": run(gate, c["gate"], days(-1), days(-1), RunStatus.MISSED, missed_on=TODAY),
        "class1_missed_before": run(
            classroom, c["class1"], days(-4), days(-4), RunStatus.MISSED, missed_on=days(-3)
        ),
        "class1_last_week": run(
            classroom, c["class1"], days(-7), days(-7), RunStatus.DONE, teacher
        ),
    }
    duty = grid_services.cell_create(
        school=grid.school,
        parent=c["general"],
        code="duty_week",
        name="Duty week",
        roster_kind=RosterKind.DUTY_WEEK,
    )
    roster_services.roster_set(
        cell=duty,
        person=grid.people["teacher"],
        first=TODAY,
        last=TODAY,
        actor=grid.users["office"],
    )
    return {"checks": checks, "runs": runs, "duty": duty}
