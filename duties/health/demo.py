"""Demo history of the health check: class rolls and a few school days of checks, with
some students away ill, so the leader's summary has something to show. Idempotent."""

import datetime
import json
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from grids.models import Assignment, School

from .calendar import is_school_day, school_days_before
from .models import ClassRoll, FollowUpResult, HealthCheck, Reason, Session, Symptom
from .permissions import CLASS_POST
from .services import AbsenceRow, follow_up_record, health_check_record, illness_case_return

NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "demo_students.json"
HISTORY_DAYS = 3


@transaction.atomic
def demo_health_load(school: School, today: datetime.date | None = None) -> None:
    """Rolls for every class, then, once, three past school days of checks and this
    morning's for most classes."""
    today = today or timezone.localdate()
    classes = list(
        school.cells.filter(cell_posts__post__code=CLASS_POST).order_by("tree_id", "lft")
    )
    if not classes:
        return
    rng = random.Random(school.code)
    ClassRoll.objects.bulk_create(
        [ClassRoll(cell=cell, enrolled=rng.randint(38, 46)) for cell in classes],
        ignore_conflicts=True,
    )
    if HealthCheck.objects.filter(cell__in=classes).exists():
        return
    teachers = {
        a.cell_id: a.person.user
        for a in Assignment.objects.current(today)
        .filter(cell__in=classes, person__user__isnull=False)
        .select_related("person__user")
    }
    # Demo classes whose teacher has no login are recorded in the first login's name.
    stand_in = school.people.filter(user__isnull=False).order_by("pk").first()
    if stand_in is None:
        return
    names = json.loads(NAMES_FILE.read_text(encoding="utf-8"))["names"]
    rolls = dict(ClassRoll.objects.filter(cell__in=classes).values_list("cell_id", "enrolled"))
    days = school_days_before(school, today - datetime.timedelta(days=1), HISTORY_DAYS)
    # A small fever cluster in the second class, to show what the summary highlights.
    cluster = classes[1] if len(classes) > 1 else classes[0]
    away = {}  # cell id -> rows still away
    for n, day in enumerate(days):
        for cell in classes:
            actor = teachers.get(cell.pk, stand_in.user)
            rows = away.setdefault(cell.pk, [])
            new = []
            if rng.random() < 0.35:
                new.append(
                    AbsenceRow(rng.choice(names), Reason.ILLNESS, rng.choice(Symptom.values))
                )
            if cell == cluster and n == len(days) - 1:
                new += [AbsenceRow(name, Reason.ILLNESS, Symptom.FEVER) for name in names[-3:]]
            listed = {row.student for row in rows}
            rows += [row for row in new if row.student not in listed]
            leave = [AbsenceRow(names[n], Reason.LEAVE)] if rng.random() < 0.2 else []
            unknown = [AbsenceRow(names[n + 8], Reason.UNKNOWN)] if rng.random() < 0.15 else []
            day_rows = _unique(rows + leave + unknown)
            for session in Session:
                _record(cell, day, session, rolls[cell.pk], day_rows, actor)
            for row in unknown:
                follow_up_record(
                    cell=cell,
                    day=day,
                    student=row.student,
                    result=FollowUpResult.LEAVE,
                    actor=actor,
                    now=_at(day, 15),
                )
            if rows and rng.random() < 0.5:
                back = rows.pop(0)
                case = cell.illness_cases.get(student=back.student, returned_on=None)
                illness_case_return(case=case, returned_on=day, actor=actor, now=_at(day, 16))
    if not is_school_day(school, today):
        return
    for cell in classes[1:]:  # the first class's teacher records this morning in the demo
        rows = _unique(away.get(cell.pk, []))
        _record(
            cell, today, Session.MORNING, rolls[cell.pk], rows, teachers.get(cell.pk, stand_in.user)
        )


def _unique(rows):
    return list({row.student: row for row in rows}.values())


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _record(cell, day, session, enrolled, rows, actor):
    hour = 8 if session == Session.MORNING else 13
    health_check_record(
        cell=cell,
        day=day,
        session=session,
        enrolled=enrolled,
        present=enrolled - len(rows),
        absent=len(rows),
        rows=rows,
        actor=actor,
        now=_at(day, hour),
    )
