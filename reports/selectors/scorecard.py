"""The scorecard (gangxinghua kaohe): per cell or per person, for a period.

Columns come from sources (`SCORECARD_SOURCES`), each counting its figures in a few grouped
queries; rows are the covered cells or the people holding posts in them, so their number
follows the grid, not the hazards.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids import access
from grids.models import Assignment
from hazards.models import Resolution, Status
from hazards.selectors import IN_TIME, LATE, ever_escalated, local_midnight, overdue_q

from .common import covered_hazards


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class Source:
    """Some columns of the scorecard and the functions that count them, per cell and per
    person: each takes (covered hazards or cells, start, end, now) and returns {row id:
    {column key: number}}. Another app's figures (checks done and missed) are one more
    Source in SCORECARD_SOURCES."""

    columns: tuple[Column, ...]
    by_cell: Callable[..., dict[int, dict]]
    by_person: Callable[..., dict[int, dict]]


def _escalated() -> Q:
    """Ever taken up a level: for a closed hazard, the stored fact (hazards.facts); only the
    others (open or declined, a small share of a long history) look through their events."""
    return Q(resolved=Resolution.ESCALATED) | (~Q(status=Status.CLOSED) & ever_escalated())


def _late(now: datetime.datetime) -> Q:
    return Q(accepted_at__gt=F("accept_due_at")) | LATE | overdue_q(now)


def _hazards_by_cell(user, start, end, now) -> dict[int, dict]:
    rows = (
        _in_range(covered_hazards(user), start, end)
        .values("cell")
        .annotate(
            reported=Count("pk"),
            accepted_in_time=Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))),
            closed_in_time=Count("pk", filter=IN_TIME),
            late=Count("pk", filter=_late(now)),
            escalated=Count("pk", filter=_escalated()),
        )
        .order_by()
    )
    return {row.pop("cell"): row for row in rows}


def _hazards_by_person(user, start, end, now) -> dict[int, dict]:
    """Per person: what they reported, accepted in time (as the manager who accepted),
    and as the assignee: closed in time, late, escalated. Keyed by person id."""
    hazards = _in_range(covered_hazards(user), start, end)
    result: dict[int, dict] = {}

    def put(rows, key):
        for row in rows:
            person = row.pop(key)
            if person is not None:
                result.setdefault(person, {}).update(row)

    put(
        hazards.filter(reporter__grid_person__isnull=False)
        .values("reporter__grid_person")
        .annotate(reported=Count("pk"))
        .order_by(),
        "reporter__grid_person",
    )
    put(
        hazards.filter(accepted_by__grid_person__isnull=False)
        .values("accepted_by__grid_person")
        .annotate(accepted_in_time=Count("pk", filter=Q(accepted_at__lte=F("accept_due_at"))))
        .order_by(),
        "accepted_by__grid_person",
    )
    put(
        hazards.filter(assignee__isnull=False)
        .values("assignee")
        .annotate(
            closed_in_time=Count("pk", filter=IN_TIME),
            late=Count("pk", filter=LATE | overdue_q(now)),
            escalated=Count("pk", filter=_escalated()),
        )
        .order_by(),
        "assignee",
    )
    return result


def _in_range(hazards: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
    return hazards.filter(
        reported_at__gte=local_midnight(start),
        reported_at__lt=local_midnight(end + datetime.timedelta(days=1)),
    )


HAZARD_COLUMNS = (
    Column("reported", _("Reported"), _("Hazards reported in the period")),
    Column(
        "accepted_in_time",
        _("Accepted in time"),
        _("Accepted by the acceptance deadline (per person: accepted by them)"),
    ),
    Column(
        "closed_in_time",
        _("Closed in time"),
        _("Verified and closed by the rectification deadline (per person: as assignee)"),
    ),
    Column(
        "late",
        _("Missed a deadline"),
        _("Accepted late, closed late, or past a deadline now"),
    ),
    Column("escalated", _("Escalated"), _("Taken up at least one level")),
)

SCORECARD_SOURCES: list[Source] = [Source(HAZARD_COLUMNS, _hazards_by_cell, _hazards_by_person)]


def scorecard_columns() -> list[Column]:
    return [column for source in SCORECARD_SOURCES for column in source.columns]


SORT_NAME = "name"


def scorecard_rows(
    user,
    start: datetime.date,
    end: datetime.date,
    by: str = "cell",
    sort: str = "",
    now: datetime.datetime | None = None,
) -> list[dict]:
    """The scorecard for what `user` covers, hazards reported from `start` to `end` (local
    dates, both included): one row per covered cell (`by="cell"`) or per person holding a
    post in one (`by="person"`), every row present even when all zero.

    Each row: {"id", "name", "cell" (the cell, or the person's first cell), "level",
    "values": {column key: number}}. `sort` is a column key or "name", "-" for descending;
    ties keep tree order. Rows are bounded by the grid, not by the hazards.
    """
    now = now or timezone.now()
    columns = scorecard_columns()
    cells = list(
        access.reach(user).cells().order_by("tree_id", "lft").values("pk", "name", "code", "depth")
    )
    if by == "person":
        entities = _people_rows(cells)
        counters = [source.by_person for source in SCORECARD_SOURCES]
    else:
        entities = [
            {"id": c["pk"], "name": c["name"], "cell": c, "level": c["depth"] + 1} for c in cells
        ]
        counters = [source.by_cell for source in SCORECARD_SOURCES]
    counted: dict[int, dict] = {}
    for counter in counters:
        for key, values in counter(user, start, end, now).items():
            counted.setdefault(key, {}).update(values)
    for position, row in enumerate(entities):
        found = counted.get(row["id"], {})
        row["values"] = {c.key: found.get(c.key, 0) for c in columns}
        row["position"] = position
    return _sorted(entities, sort, {c.key for c in columns})


def _people_rows(cells: list[dict]) -> list[dict]:
    """Everyone holding a post in a covered cell today, at their first cell in tree order."""
    by_pk = {c["pk"]: c for c in cells}
    rows: dict[int, dict] = {}
    assignments = (
        Assignment.objects.current()
        .filter(cell__in=list(by_pk))
        .select_related("person")
        .order_by("cell__tree_id", "cell__lft", "person__name")
    )
    for a in assignments:
        if a.person_id not in rows:
            cell = by_pk[a.cell_id]
            rows[a.person_id] = {
                "id": a.person_id,
                "name": a.person.name,
                "cell": cell,
                "level": cell["depth"] + 1,
            }
    return list(rows.values())


def _sorted(rows: list[dict], sort: str, keys: set[str]) -> list[dict]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in keys:
        # Descending by the figure, ties in tree order either way.
        sign = -1 if descending else 1
        return sorted(rows, key=lambda r: (sign * r["values"][key], r["position"]))
    if key == SORT_NAME:
        return sorted(rows, key=lambda r: r["name"], reverse=descending)
    return rows
