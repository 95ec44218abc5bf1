"""The recurring checks' columns on the reports scorecard: done and missed, per cell and per
person, for the checks whose period ended in the date range. One grouped query each."""

import datetime

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from grids import access
from grids.models import Assignment
from reports.selectors import Column, Source

from .models import CheckRun, RunStatus

COLUMNS = (
    Column(
        "checks_done",
        _("Checks done"),
        _("Recurring checks done, of those whose period ended in the range (per person: by them)"),
    ),
    Column(
        "checks_missed",
        _("Checks missed"),
        _(
            "Recurring checks whose period ended in the range undone (per person: in a cell "
            "they held a post in on its last day)"
        ),
    ),
)


def _runs(user, start: datetime.date, end: datetime.date):
    return CheckRun.objects.filter(
        access.cell_filter(user, "cell"), period_end__gte=start, period_end__lte=end
    )


def by_cell(user, start, end, now) -> dict[int, dict]:
    rows = (
        _runs(user, start, end)
        .values("cell")
        .annotate(
            checks_done=Count("pk", filter=Q(status=RunStatus.DONE)),
            checks_missed=Count("pk", filter=Q(status=RunStatus.MISSED)),
        )
        .order_by()
    )
    return {row.pop("cell"): row for row in rows}


def by_person(user, start, end, now) -> dict[int, dict]:
    """Done: by whoever did it. Missed: against everyone holding a post in the cell on the
    last day of the check's period."""
    result: dict[int, dict] = {}
    done = (
        _runs(user, start, end)
        .filter(status=RunStatus.DONE, done_by__grid_person__isnull=False)
        .values("done_by__grid_person")
        .annotate(checks_done=Count("pk"))
        .order_by()
    )
    for row in done:
        result.setdefault(row["done_by__grid_person"], {})["checks_done"] = row["checks_done"]
    last_day = F("cell__check_runs__period_end")
    missed = (
        Assignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=last_day),
            valid_from__lte=last_day,
            cell__check_runs__in=_runs(user, start, end).filter(status=RunStatus.MISSED),
        )
        .values("person")
        .annotate(checks_missed=Count("cell__check_runs", distinct=True))
        .order_by()
    )
    for row in missed:
        result.setdefault(row["person"], {})["checks_missed"] = row["checks_missed"]
    return result


SOURCE = Source(COLUMNS, by_cell, by_person)


def register(sources: list) -> None:
    if SOURCE not in sources:
        sources.append(SOURCE)
