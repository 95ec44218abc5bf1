"""The education bureau's view: one row per school it runs, counted in SQL.

Each figure is one grouped query over all the bureau's schools (`GROUP BY school`), on an
indexed column: open hazards by (school, status), the hazards closed this month and in the
last four weeks by the closed_at index, the week's checks by the check runs' (cell, period_end),
today's morning and noon checks by (cell, date, session). So the page is a fixed number of
queries however many schools the bureau runs.

Membership of a bureau shows these numbers only; nothing here lists a hazard, a person or a
cell, and a link into a school is offered only where the viewer's grid reaches.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from duties.checks.models import CheckRun, RunStatus
from duties.checks.periods import calendars_for
from duties.health.models import HealthCheck
from duties.health.permissions import CLASS_POST
from grids import access
from grids.models import Bureau, GridCell, School
from hazards.models import OPEN_STATUSES, Hazard, Status
from hazards.selectors import IN_TIME, local_midnight, overdue_q

from .dashboard import Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    help: str = ""
    rate: bool = False  # a share (0-1) shown as a percentage; its total is recomputed


COLUMNS = (
    Column("open", _("Open"), _("Hazards not yet closed or declined, now")),
    Column("overdue", _("Overdue"), _("Open hazards past their current deadline, now")),
    Column("escalated", _("Escalated"), _("Open hazards taken up at least one level, now")),
    Column("closed_month", _("Closed this month"), _("Hazards verified and closed this month")),
    Column(
        "in_time_rate",
        _("Closed in time"),
        _("Of the hazards closed in the last four weeks, the share closed by their deadline"),
        rate=True,
    ),
    Column(
        "checks_rate",
        _("Checks done"),
        _("Recurring checks whose period ended this week so far: the share done"),
        rate=True,
    ),
    Column(
        "checks_missed",
        _("Checks missed"),
        _("Recurring checks found missed this week (their period ended undone)"),
    ),
    Column(
        "health_rate",
        _("Morning/noon checks today"),
        _("Today's morning and noon checks recorded, of two per class (none on a day off)"),
        rate=True,
    ),
)
KEYS = {c.key for c in COLUMNS}
SORT_NAME = "name"
WINDOW_DAYS = 28  # the closure-in-time rate counts the hazards closed in the last four weeks

# The counts behind each rate: (numerator, denominator).
RATES = {
    "in_time_rate": ("closed_in_time", "closed_window"),
    "checks_rate": ("checks_done", "checks_due"),
    "health_rate": ("health_done", "health_due"),
}
COUNTS = (
    "open",
    "overdue",
    "escalated",
    "closed_month",
    "closed_in_time",
    "closed_window",
    "checks_done",
    "checks_due",
    "checks_missed",
    "health_done",
    "health_due",
)


@dataclass
class BureauReport:
    bureau: Bureau
    period: Period
    rows: list[dict]  # {"school", "reachable", "values": {column key: figure}, "counts"}
    totals: dict  # {column key: figure} over all the schools
    total_counts: dict  # the counts behind them


def _by_school(rows, key="school") -> dict[int, dict]:
    return {row.pop(key): row for row in rows}


def _hazard_figures(school_ids: list[int], period: Period) -> list[dict[int, dict]]:
    """Two grouped queries: the open hazards by the (school, status) index; the hazards
    closed this month or in the last four weeks by the closed_at index."""
    hazards = Hazard.objects.filter(school_id__in=school_ids)
    open_now = (
        hazards.filter(status__in=OPEN_STATUSES)
        .values("school")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(period.now)),
            escalated=Count("pk", filter=Q(escalation_level__gt=0)),
        )
        .order_by()
    )
    month = local_midnight(period.month_start)
    window = local_midnight(period.today - datetime.timedelta(days=WINDOW_DAYS - 1))
    in_window = Q(closed_at__gte=window)
    closed = (
        hazards.filter(status=Status.CLOSED, closed_at__gte=min(month, window))
        .values("school")
        .annotate(
            closed_month=Count("pk", filter=Q(closed_at__gte=month)),
            closed_window=Count("pk", filter=in_window),
            closed_in_time=Count("pk", filter=in_window & IN_TIME),
        )
        .order_by()
    )
    return [_by_school(open_now), _by_school(closed)]


def _check_figures(school_ids: list[int], period: Period) -> dict[int, dict]:
    """The recurring checks whose period ended this week up to today (due, done), and those
    marked missed this week: one grouped query over the two indexed ranges."""
    ended = Q(period_end__gte=period.week_start, period_end__lte=period.today)
    missed = Q(missed_on__gte=period.week_start, missed_on__lte=period.today)
    rows = (
        CheckRun.objects.filter(ended | missed, cell__school_id__in=school_ids)
        .values("cell__school")
        .annotate(
            checks_due=Count("pk", filter=ended),
            checks_done=Count("pk", filter=ended & Q(status=RunStatus.DONE)),
            checks_missed=Count("pk", filter=missed & Q(status=RunStatus.MISSED)),
        )
        .order_by()
    )
    return _by_school(rows, "cell__school")


def _health_figures(school_ids: list[int], today: datetime.date) -> dict[int, dict]:
    """Today's morning and noon checks per school: the classes (cells carrying the class
    teacher's post), the checks recorded today in them (the latest of each session), and
    whether today is a school day there. Four queries."""
    classes = (
        GridCell.objects.filter(school_id__in=school_ids, cell_posts__post__code=CLASS_POST)
        .values("school")
        .annotate(classes=Count("pk", distinct=True))
        .order_by()
    )
    done = (
        HealthCheck.objects.current()
        .filter(
            cell__school_id__in=school_ids,
            cell__cell_posts__post__code=CLASS_POST,
            date=today,
        )
        .values("cell__school")
        .annotate(done=Count("pk", distinct=True))
        .order_by()
    )
    done_by_school = {row["cell__school"]: row["done"] for row in done}
    calendars = calendars_for(school_ids, today)
    result = {}
    for row in classes:
        school_id = row["school"]
        if calendars[school_id].is_school_day(today):
            result[school_id] = {
                "health_due": 2 * row["classes"],
                "health_done": done_by_school.get(school_id, 0),
            }
    return result


def _rate(counts: dict, key: str) -> float | None:
    numerator, denominator = RATES[key]
    return counts[numerator] / counts[denominator] if counts[denominator] else None


def _values(counts: dict) -> dict:
    return {
        column.key: _rate(counts, column.key) if column.rate else counts[column.key]
        for column in COLUMNS
    }


def bureau_report(user, bureau: Bureau, sort: str = "", now=None) -> BureauReport:
    """The bureau's schools with their figures at `now`; `sort` is a column key or "name",
    "-" for descending (schools without a figure, such as a rate with nothing to count, go
    last). The rows follow the schools, not the hazards: nine queries whatever their number.

    Steps: the schools; the schools where the viewer's grid reaches (for links); two hazard
    queries; the week's checks; today's morning and noon checks (four).
    """
    period = Period.at(now)
    schools = list(School.objects.filter(bureau=bureau).order_by("name", "pk"))
    ids = [school.pk for school in schools]
    reachable = set(
        access.covered_cells(user).filter(school_id__in=ids).values_list("school_id", flat=True)
    )
    found: dict[int, dict] = {pk: dict.fromkeys(COUNTS, 0) for pk in ids}
    for part in [
        *_hazard_figures(ids, period),
        _check_figures(ids, period),
        _health_figures(ids, period.today),
    ]:
        for school_id, values in part.items():
            found[school_id].update(values)
    rows = [
        {
            "school": school,
            "reachable": school.pk in reachable,
            "counts": found[school.pk],
            "values": _values(found[school.pk]),
        }
        for school in schools
    ]
    total_counts = {key: sum(row["counts"][key] for row in rows) for key in COUNTS}
    return BureauReport(
        bureau=bureau,
        period=period,
        rows=_sorted(rows, sort),
        totals=_values(total_counts),
        total_counts=total_counts,
    )


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == SORT_NAME:
        return sorted(rows, key=lambda r: r["school"].name, reverse=descending)
    if key not in KEYS:
        return rows
    present = [r for r in rows if r["values"][key] is not None]
    absent = [r for r in rows if r["values"][key] is None]
    # Stable: ties keep the schools' order by name.
    present.sort(key=lambda r: r["values"][key], reverse=descending)
    return present + absent
