"""Writes of the health check: a check with its absences, a follow-up, a student's return.

Each is one transaction; nothing already written is changed, except the return of an
illness case, which is logged once by a guarded update.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell

from .calendar import is_school_day
from .models import (
    Absence,
    FollowUp,
    FollowUpResult,
    HealthCheck,
    IllnessCase,
    Reason,
    Session,
)

TOTALS_DONT_ADD_UP = _(
    "Present (%(present)s) plus absent (%(absent)s) must equal enrolled (%(enrolled)s)."
)
ROWS_DONT_MATCH = _("List every absent student: %(absent)s absent but %(rows)s listed.")
NOT_A_SCHOOL_DAY = _("%(date)s is not a school day: there is no health check.")
SYMPTOM_REQUIRED = _("Choose the main symptom of %(student)s's illness.")
LISTED_TWICE = _("%(student)s is listed twice.")
NOTHING_TO_FOLLOW_UP = _("%(student)s has no absence for an unknown reason on %(date)s.")
ALREADY_RETURNED = _("This student's return was already logged.")
RETURN_OUT_OF_RANGE = _("The return date must lie between the first day away and today.")


@dataclass
class AbsenceRow:
    student: str
    reason: str
    symptom: str = ""


def totals_check(*, enrolled: int, present: int, absent: int, rows: list[AbsenceRow]) -> None:
    """Raise a ValidationError listing what does not add up; the check is then not saved."""
    errors = []
    if present + absent != enrolled:
        errors.append(
            ValidationError(
                TOTALS_DONT_ADD_UP,
                params={"present": present, "absent": absent, "enrolled": enrolled},
            )
        )
    if len(rows) != absent:
        errors.append(
            ValidationError(ROWS_DONT_MATCH, params={"absent": absent, "rows": len(rows)})
        )
    seen = set()
    for row in rows:
        if row.reason == Reason.ILLNESS and not row.symptom:
            errors.append(ValidationError(SYMPTOM_REQUIRED, params={"student": row.student}))
        if row.student in seen:
            errors.append(ValidationError(LISTED_TWICE, params={"student": row.student}))
        seen.add(row.student)
    if errors:
        raise ValidationError(errors)


def _open_case(*, cell, student, symptom, day, actor, now, open_cases) -> IllnessCase:
    """The student's open illness case in the class, or a new one from `day`."""
    case = open_cases.get(student)
    if case is None:
        case = IllnessCase.objects.create(
            cell=cell,
            student=student,
            symptom=symptom,
            started_on=day,
            opened_by=actor,
            opened_at=now,
        )
        open_cases[student] = case
    return case


def _open_cases_of(cell: GridCell) -> dict[str, IllnessCase]:
    return {c.student: c for c in IllnessCase.objects.filter(cell=cell, returned_on=None)}


@transaction.atomic
def health_check_record(
    *,
    cell: GridCell,
    day: datetime.date,
    session: Session,
    enrolled: int,
    present: int,
    absent: int,
    rows: list[AbsenceRow],
    actor,
    now: datetime.datetime | None = None,
) -> HealthCheck:
    """Record a class's check, or correct it with a new record.

    1. Refuse a day that is not a school day and totals that don't add up.
    2. Lock the class, so two submissions at once don't open the same case twice.
    3. Write the check and its absences; an illness joins the student's open case or
       opens one.
    """
    now = now or timezone.now()
    if not is_school_day(cell.school_id, day):
        raise ValidationError(NOT_A_SCHOOL_DAY, params={"date": day})
    rows = [AbsenceRow(r.student.strip(), r.reason, r.symptom) for r in rows]
    totals_check(enrolled=enrolled, present=present, absent=absent, rows=rows)
    GridCell.objects.select_for_update().get(pk=cell.pk)
    open_cases = _open_cases_of(cell)
    check = HealthCheck.objects.create(
        cell=cell,
        date=day,
        session=session,
        enrolled=enrolled,
        present=present,
        absent=absent,
        recorded_by=actor,
        recorded_at=now,
    )
    absences = []
    for row in rows:
        case = None
        if row.reason == Reason.ILLNESS:
            case = _open_case(
                cell=cell,
                student=row.student,
                symptom=row.symptom,
                day=day,
                actor=actor,
                now=now,
                open_cases=open_cases,
            )
        absences.append(
            Absence(check_record=check, student=row.student, reason=row.reason, case=case)
        )
    Absence.objects.bulk_create(absences)
    return check


@transaction.atomic
def follow_up_record(
    *,
    cell: GridCell,
    day: datetime.date,
    student: str,
    result: FollowUpResult,
    symptom: str = "",
    note: str = "",
    actor,
    now: datetime.datetime | None = None,
) -> FollowUp:
    """Record the follow-up of a student absent for an unknown reason on `day`. A parent
    reached who reports an illness opens (or joins) the student's illness case."""
    now = now or timezone.now()
    unknown = Absence.objects.filter(
        check_record__in=HealthCheck.objects.current().filter(cell=cell, date=day),
        student=student,
        reason=Reason.UNKNOWN,
    )
    if not unknown.exists():
        raise ValidationError(NOTHING_TO_FOLLOW_UP, params={"student": student, "date": day})
    if result == FollowUpResult.ILLNESS and not symptom:
        raise ValidationError(SYMPTOM_REQUIRED, params={"student": student})
    GridCell.objects.select_for_update().get(pk=cell.pk)
    case = None
    if result == FollowUpResult.ILLNESS:
        case = _open_case(
            cell=cell,
            student=student,
            symptom=symptom,
            day=day,
            actor=actor,
            now=now,
            open_cases=_open_cases_of(cell),
        )
    return FollowUp.objects.create(
        cell=cell,
        date=day,
        student=student,
        result=result,
        note=note,
        case=case,
        recorded_by=actor,
        recorded_at=now,
    )


def illness_case_return(
    *, case: IllnessCase, returned_on: datetime.date, actor, now: datetime.datetime | None = None
) -> None:
    """Log the day an ill student came back, once."""
    now = now or timezone.now()
    if not case.started_on <= returned_on <= timezone.localdate(now):
        raise ValidationError(RETURN_OUT_OF_RANGE)
    logged = IllnessCase.objects.filter(pk=case.pk, returned_on=None).update(
        returned_on=returned_on, returned_by=actor, returned_at=now
    )
    if not logged:
        raise ValidationError(ALREADY_RETURNED)
