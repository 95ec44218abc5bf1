"""Reads of the roster: who is on duty when, its history, and the days nobody covers."""

import datetime

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.coverage import Problem
from grids.models import GridCell, RosterKind, School
from hazards.models import NonWorkingDay

from ..models import RosterChange, RosterDay

LOOKAHEAD_DAYS = 7
NO_ONE_ON_DUTY = _("No one is on duty on %(date)s.")


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def roster_rows(cells, first: datetime.date, last: datetime.date) -> dict:
    """{(cell id, day): the RosterDay in force} for the cells and days (one query)."""
    rows = (
        RosterDay.objects.current()
        .filter(cell__in=cells, day__range=(first, last))
        .select_related("person")
    )
    return {(row.cell_id, row.day): row for row in rows}


def on_duty(cell: GridCell, day: datetime.date):
    """The person on duty in `cell` on `day`, or None."""
    row = (
        RosterDay.objects.current()
        .filter(cell=cell, day=day, person__isnull=False)
        .select_related("person")
        .first()
    )
    return row.person if row else None


def on_duty_today(school: School, on: datetime.date | None = None) -> list[RosterDay]:
    """Today's duty in each time-bound cell of the school, in tree order (one query)."""
    return list(
        RosterDay.objects.current()
        .filter(
            cell__school=school,
            cell__roster_kind__gt="",
            day=on or timezone.localdate(),
            person__isnull=False,
        )
        .select_related("cell", "person")
        .order_by("cell__tree_id", "cell__lft")
    )


def roster_history(cells, limit: int = 20) -> list[RosterChange]:
    """The latest changes touching the cells, each with its rows of those cells (3 queries)."""
    changes = list(
        RosterChange.objects.filter(days__cell__in=cells)
        .distinct()
        .select_related("created_by__grid_person")
        .order_by("-created_at", "-id")[:limit]
    )
    rows = (
        RosterDay.objects.filter(cell__in=cells)
        .select_related("cell", "person", "supersedes__person")
        .order_by("cell__tree_id", "cell__lft", "day")
    )
    prefetch_related_objects(changes, Prefetch("days", queryset=rows, to_attr="shown_days"))
    return changes


def needs_duty(kind: str, day: datetime.date, holidays: set[datetime.date]) -> bool:
    """A duty week covers school days; holiday duty covers weekends and holidays."""
    school_day = day.weekday() < 5 and day not in holidays
    return school_day if kind == RosterKind.DUTY_WEEK else not school_day


def roster_gaps(school: School, cells: list[GridCell], on=None) -> list[Problem]:
    """Coverage: each day of the coming week a time-bound cell needs someone and has nobody."""
    timed = [cell for cell in cells if cell.is_time_bound]
    if not timed:
        return []
    first = on or timezone.localdate()
    last = first + datetime.timedelta(days=LOOKAHEAD_DAYS - 1)
    holidays = set(
        NonWorkingDay.objects.filter(school=school, date__range=(first, last)).values_list(
            "date", flat=True
        )
    )
    covered = {
        key for key, row in roster_rows(timed, first, last).items() if row.person_id is not None
    }
    problems = []
    for cell in timed:
        for n in range(LOOKAHEAD_DAYS):
            day = first + datetime.timedelta(days=n)
            if needs_duty(cell.roster_kind, day, holidays) and (cell.pk, day) not in covered:
                problems.append(
                    Problem(
                        cell=cell,
                        code="no_one_on_duty",
                        message=str(NO_ONE_ON_DUTY % {"date": day.isoformat()}),
                    )
                )
    return problems


def segments(rows: list[RosterDay]) -> list[dict]:
    """Consecutive days of one cell with the same person and action, as ranges to show."""
    shown: list[dict] = []
    for row in rows:
        previous = row.supersedes.person if row.supersedes_id else None
        last = shown[-1] if shown else None
        if (
            last is not None
            and last["cell"] == row.cell
            and last["person"] == row.person
            and last["action"] == row.action
            and last["previous"] == previous
            and last["last"] + datetime.timedelta(days=1) == row.day
        ):
            last["last"] = row.day
            continue
        shown.append(
            {
                "cell": row.cell,
                "person": row.person,
                "previous": previous,
                "action": row.action,
                "action_label": row.get_action_display(),
                "first": row.day,
                "last": row.day,
                "note": row.note,
            }
        )
    return shown
