"""The principal's dashboard: aggregates in SQL, bounded by the grid.

Every figure is counted over the hazards whose cell the viewer covers (`grids.access`), the
same set the hazard queue lists, so each number can link to the queue filtered to it. Rows
come back per category, per week or per cell, never per hazard, so the page's work and its
query count follow the size of the grid, not the number of hazards.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connections
from django.db.models import Count, Expression, F, IntegerField, Q, QuerySet
from django.utils import timezone

from grids import access
from hazards.models import OPEN_STATUSES, HazardCategory, Status
from hazards.selectors import RESOLUTIONS, local_midnight, overdue_q

from .common import covered_hazards, queue_url

TREND_WEEKS = 12
TOP_CELLS = 10


@dataclass
class Period:
    """The dates the dashboard counts from, in the school's time zone."""

    now: datetime.datetime
    today: datetime.date
    week_start: datetime.date  # Monday
    month_start: datetime.date
    window_start: datetime.date  # Monday, TREND_WEEKS weeks back including this one

    @classmethod
    def at(cls, now: datetime.datetime | None = None) -> "Period":
        now = now or timezone.now()
        today = timezone.localtime(now).date()
        week_start = today - datetime.timedelta(days=today.weekday())
        return cls(
            now=now,
            today=today,
            week_start=week_start,
            month_start=today.replace(day=1),
            window_start=week_start - datetime.timedelta(weeks=TREND_WEEKS - 1),
        )

    @cached_property
    def weeks(self) -> list[datetime.date]:
        return [self.window_start + datetime.timedelta(weeks=n) for n in range(TREND_WEEKS)]


@dataclass
class Figure:
    value: int | float | None
    url: str = ""


@dataclass
class Dashboard:
    period: Period
    open: Figure
    overdue: Figure
    escalated: Figure
    closed_week: Figure
    closed_month: Figure
    closed_in_time: Figure  # among the window's closed hazards
    closed: Figure  # the window's closed hazards
    in_time_rate: float | None
    median_accept: datetime.timedelta | None
    median_accept_url: str
    median_close: datetime.timedelta | None
    median_close_url: str
    funnel: list[dict]
    resolution: list[dict]
    lowest_level_share: float | None
    top_cells: list[dict]
    charts: dict = field(default_factory=dict)


def dashboard(user, now: datetime.datetime | None = None) -> Dashboard:
    """The dashboard of what `user` covers, at `now`.

    Steps: the covered cells (one query, bounded by the grid); open hazards grouped by cell
    (open, overdue, escalated: the cards, the cell table and the area chart); the window's
    cohort (reported since `window_start`) grouped by week and category (funnel, closure in
    time, where resolved, the categories, reported per week) and the categories' names;
    closed per week; the two medians.
    """
    period = Period.at(now)
    hazards = covered_hazards(user)
    cells = list(
        access.reach(user)
        .cells()
        .order_by("tree_id", "lft")
        .values("pk", "name", "depth", "tree_id", "lft", "rght", "parent_id")
    )

    by_cell = _open_by_cell(hazards, period.now)
    totals = {k: sum(row[k] for row in by_cell.values()) for k in ("open", "overdue", "escalated")}
    cohort = hazards.filter(reported_at__gte=local_midnight(period.window_start))
    window = _cohort(cohort, period)
    counts = window["totals"]
    weekly = _closed_weekly(hazards, period)
    since = period.window_start

    closed = counts["closed"]
    median_accept, median_close = _medians(cohort, counts["accepted"], closed)
    resolution = [
        {
            "key": key,
            "count": counts[f"resolved_{key}"],
            "url": queue_url(status=Status.CLOSED, since=since, resolved=key),
        }
        for key in RESOLUTIONS
    ]
    funnel = [
        {
            "key": "reported",
            "count": counts["reported"],
            "url": queue_url(status="all", since=since),
        },
        {
            "key": "accepted",
            "count": counts["accepted"],
            "url": queue_url(status="all", since=since, reached="accepted"),
        },
        {
            "key": "submitted",
            "count": counts["submitted"],
            "url": queue_url(status="all", since=since, reached="submitted"),
        },
        {"key": "closed", "count": closed, "url": queue_url(status=Status.CLOSED, since=since)},
    ]
    board = Dashboard(
        period=period,
        open=Figure(totals["open"], queue_url()),
        overdue=Figure(totals["overdue"], queue_url(overdue=True)),
        escalated=Figure(totals["escalated"], queue_url(escalated=True)),
        closed_week=Figure(
            weekly["closed_week"], queue_url(status=Status.CLOSED, closed_from=period.week_start)
        ),
        closed_month=Figure(
            weekly["closed_month"],
            queue_url(status=Status.CLOSED, closed_from=period.month_start),
        ),
        closed_in_time=Figure(
            counts["closed_in_time"],
            queue_url(status=Status.CLOSED, since=since, timeliness="in_time"),
        ),
        closed=Figure(closed, queue_url(status=Status.CLOSED, since=since)),
        in_time_rate=counts["closed_in_time"] / closed if closed else None,
        median_accept=median_accept,
        median_accept_url=queue_url(status="all", since=since, reached="accepted"),
        median_close=median_close,
        median_close_url=queue_url(status=Status.CLOSED, since=since),
        funnel=funnel,
        resolution=resolution,
        lowest_level_share=counts["resolved_own"] / closed if closed else None,
        top_cells=_top_cells(cells, by_cell),
    )
    board.charts = {
        "categories": _by_category(window["categories"], since),
        "areas": _by_area(cells, by_cell),
        "trend": {
            "weeks": [w.isoformat() for w in period.weeks],
            "reported": [window["weeks"].get(w, 0) for w in period.weeks],
            "closed": [weekly["closed"].get(w, 0) for w in period.weeks],
            "reported_urls": [
                queue_url(status="all", since=w, until=w + datetime.timedelta(days=6))
                for w in period.weeks
            ],
            "closed_urls": [
                queue_url(
                    status=Status.CLOSED,
                    closed_from=w,
                    closed_until=w + datetime.timedelta(days=6),
                )
                for w in period.weeks
            ],
        },
        "funnel": [{"key": s["key"], "value": s["count"], "url": s["url"]} for s in funnel],
    }
    return board


def _open_by_cell(hazards: QuerySet, now: datetime.datetime) -> dict[int, dict]:
    """Open, overdue and escalated hazards per cell: one grouped query on (cell, status).

    Grouped on an expression of the cell, not the bare column: SQLite would otherwise walk
    the cell index to save sorting a few hundred groups, reading every hazard of the table
    instead of a school's open ones (school, status)."""
    rows = (
        hazards.filter(status__in=OPEN_STATUSES)
        .values(cell_pk=F("cell_id") + 0)
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(now)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
        .order_by()
    )
    return {row["cell_pk"]: row for row in rows}


class WeekIndex(Expression):
    """Which of the sorted week starts `bounds` a datetime column lies in (0 = the oldest),
    -1 before the first: comparisons nested as a binary search (four per row for the
    thirteen outcomes rather than up to thirteen in a row).

    The same SQL as a tree of `Case(When(...))`, written out in one step: resolving and
    compiling some thirty nested expressions cost Django more than the grouped scan of the
    window cost SQLite."""

    output_field = IntegerField()

    def __init__(self, expression, bounds: list[datetime.datetime]):
        super().__init__()
        self.expression = expression
        self.bounds = bounds

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.expression)
        field = self.expression.output_field
        starts = [field.get_db_prep_value(bound, connection) for bound in self.bounds]

        def search(lo: int, hi: int) -> tuple[str, list]:
            """The week among lo-1 .. hi-1 for a value known to lie in
            [bounds[lo-1], bounds[hi])."""
            if lo == hi:
                return "%s", [lo - 1]
            mid = (lo + hi + 1) // 2
            below, below_params = search(lo, mid - 1)
            above, above_params = search(mid, hi)
            sql = f"CASE WHEN {column} < %s THEN {below} ELSE {above} END"
            return sql, [*column_params, starts[mid - 1], *below_params, *above_params]

        return search(0, len(starts))


def _week_index(field: str, period: Period) -> WeekIndex:
    """Which week of the window `field` falls in (0 = the oldest), -1 before it.

    Plain comparisons with the local Mondays' midnights, worked out here: no time zone
    conversion or date truncation per row, which SQLite would run as a Python function
    for every hazard of the window.
    """
    return WeekIndex(F(field), [local_midnight(w) for w in period.weeks])


def _cohort(cohort: QuerySet, period: Period) -> dict:
    """The window's hazards through the loop, per week and category, in one pass.

    The rows (weeks x categories, a few hundred at most) are summed here into the totals
    (where each closed hazard was resolved included: a fact stored when it closed), the
    weekly "reported" series and the categories; one grouped scan of the window serves all.
    """
    # Only the stored facts and the index's columns: the window is read from the index alone
    # (hazard_cell_window): counted by a column of it, not by the id, which the index lacks.
    resolved = {
        f"resolved_{key}": Count("reported_at", filter=Q(resolved=key)) for key in RESOLUTIONS
    }
    rows = list(
        # Grouped on an expression of the category, not the bare column: SQLite would
        # otherwise walk the category index to save a sort, scanning every hazard there is
        # instead of the window's range.
        cohort.annotate(week=_week_index("reported_at", period), kind=F("category_id") + 0)
        .values("week", "kind")
        .annotate(
            reported=Count("reported_at"),
            accepted=Count("reported_at", filter=Q(accept_span__isnull=False)),
            submitted=Count("reported_at", filter=Q(submitted_at__isnull=False)),
            closed=Count("reported_at", filter=Q(close_span__isnull=False)),
            closed_in_time=Count("reported_at", filter=Q(closed_in_time=True)),
            **resolved,
        )
        .order_by()
    )
    keys = ["reported", "accepted", "submitted", "closed", "closed_in_time", *resolved]
    totals = {key: sum(row[key] for row in rows) for key in keys}
    weeks: dict[datetime.date, int] = defaultdict(int)
    categories: dict[int, int] = defaultdict(int)
    for row in rows:
        weeks[period.weeks[row["week"]]] += row["reported"]
        categories[row["kind"]] += row["reported"]
    return {"totals": totals, "weeks": weeks, "categories": categories}


def _closed_weekly(hazards: QuerySet, period: Period) -> dict:
    """Closed per week of the window; closed this week and this month."""
    start = local_midnight(period.window_start)
    month_start = local_midnight(period.month_start)
    rows = (
        hazards.filter(status=Status.CLOSED, closed_at__gte=min(start, month_start))
        .annotate(week=_week_index("closed_at", period))
        .values("week")
        .annotate(
            n=Count("closed_at"), in_month=Count("closed_at", filter=Q(closed_at__gte=month_start))
        )
        .order_by()
    )
    closed = {period.weeks[r["week"]]: r["n"] for r in rows if r["week"] >= 0}
    return {
        "closed": closed,
        "closed_week": closed.get(period.week_start, 0),
        "closed_month": sum(r["in_month"] for r in rows),
    }


def _medians(
    hazards: QuerySet, accepted: int, closed: int
) -> tuple[datetime.timedelta | None, datetime.timedelta | None]:
    """The medians of the stored spans (hazards.facts) to accept and to close, in one read.

    One scan of the window returns both columns; the two lists are sorted here. The raw
    column values are sorted (microseconds on SQLite, intervals on PostgreSQL: both order
    as the spans do) and only the middle ones converted, so no row goes through the ORM's
    converters. `accepted` and `closed` are the counts the cohort aggregate already made:
    with neither, no query.
    """
    if not accepted and not closed:
        return None, None
    # The window's rows from its covering index (hazard_cell_window), unsorted; the few with
    # neither span (reported, not accepted) are skipped here rather than by an OR in SQL,
    # which would lead PostgreSQL off the index's range.
    query = hazards.order_by().values_list("accept_span", "close_span")
    sql, params = query.query.sql_with_params()
    connection = connections[query.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    accept = sorted(a for a, _ in rows if a is not None)
    close = sorted(c for _, c in rows if c is not None)
    return _middle(accept, connection), _middle(close, connection)


def _middle(values: list, connection) -> datetime.timedelta | None:
    """The median of sorted raw span values: the middle one, or the mean of the two."""
    if not values:
        return None
    middle = [
        v
        if isinstance(v, datetime.timedelta)
        else connection.ops.convert_durationfield_value(v, None, connection)
        for v in values[(len(values) - 1) // 2 : (len(values) - 1) // 2 + 2]
    ]
    if len(values) % 2 or len(middle) < 2:
        return middle[0]
    return (middle[0] + middle[1]) / 2


def _by_category(counts: dict[int, int], since: datetime.date) -> list[dict]:
    names = dict(HazardCategory.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], names.get(item[0], "")))
    return [
        {
            "name": names.get(pk, ""),
            "value": n,
            "url": queue_url(status="all", since=since, category=pk),
        }
        for pk, n in ranked
    ]


def _areas(cells: list[dict]) -> list[tuple[dict, bool]]:
    """The areas to break the viewer's hazards down by: the cells one level below each top
    cell they cover (a school leader: the level-2 areas), and each top cell on its own for
    the hazards reported on it directly. (cell, whole subtree?) pairs."""
    covered = {c["pk"] for c in cells}
    tops = [c for c in cells if c["parent_id"] not in covered]
    children_of = defaultdict(list)
    for c in cells:
        children_of[c["parent_id"]].append(c)
    areas = []
    for top in tops:
        children = children_of[top["pk"]]
        if not children:
            areas.append((top, True))
            continue
        areas.extend((child, True) for child in children)
        areas.append((top, False))
    return areas


def _by_area(cells: list[dict], by_cell: dict[int, dict]) -> list[dict]:
    """Open and overdue hazards per area, rolled up from the per-cell rows.

    `cells` come in tree order, so an area's subtree is the run of cells from the area on
    while they lie inside its lft/rght: one pass over them per area's subtree."""
    result = []
    position = {c["pk"]: n for n, c in enumerate(cells)}
    for area, subtree in _areas(cells):
        if subtree:
            inside = []
            for c in cells[position[area["pk"]] :]:
                if c["tree_id"] != area["tree_id"] or c["lft"] > area["rght"]:
                    break
                inside.append(c["pk"])
        else:
            inside = [area["pk"]]
        rows = [by_cell[pk] for pk in inside if pk in by_cell]
        open_count = sum(r["open"] for r in rows)
        overdue = sum(r["overdue"] for r in rows)
        if not subtree and not open_count:
            continue  # nothing reported on the top cell itself: no bar for it
        cell_arg = {"cell": area["pk"]} if subtree else {"in_cell": area["pk"]}
        result.append(
            {
                "name": area["name"],
                "direct": not subtree,
                "open": open_count,
                "overdue": overdue,
                "url": queue_url(**cell_arg),
                "overdue_url": queue_url(overdue=True, **cell_arg),
            }
        )
    return result


def _top_cells(cells: list[dict], by_cell: dict[int, dict]) -> list[dict]:
    names = {c["pk"]: c for c in cells}
    rows = sorted(
        (r for r in by_cell.values() if r["cell_pk"] in names),
        key=lambda r: (-r["overdue"], -r["open"], names[r["cell_pk"]]["lft"]),
    )[:TOP_CELLS]
    return [
        {
            "cell": names[r["cell_pk"]],
            "level": names[r["cell_pk"]]["depth"] + 1,
            "open": r["open"],
            "overdue": r["overdue"],
            "escalated": r["escalated"],
            "url": queue_url(in_cell=r["cell_pk"]),
            "overdue_url": queue_url(in_cell=r["cell_pk"], overdue=True),
            "escalated_url": queue_url(in_cell=r["cell_pk"], escalated=True),
        }
        for r in rows
    ]
