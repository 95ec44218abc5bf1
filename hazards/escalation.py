"""Escalation (duban): a hazard late on a stage climbs the tree, one level per overdue period.

A periodic scan derives "overdue" from the deadlines, so a missed run catches up. Two
phases, each safe to run twice or on two workers at once:

1. Due rows: for every hazard past its stage's deadline, one Escalation row per level it
   should have reached, inserted with ON CONFLICT DO NOTHING against the unique
   (hazard, stage, level) constraint. The clock (calendar or working days) turns into one
   deadline threshold per school, severity and level; then one INSERT ... SELECT per stage
   and level copies the hazards past their threshold with the ancestor that many levels up.
   No hazard passes through Python, and only the due hazards' cells are read. The rows
   commit together.
2. Applying (`workflow.escalations_apply`, with every other write to a hazard): one guarded
   UPDATE claims the unprocessed rows for this run; in the same transaction their events,
   hazard levels and inbox rows are written. A worker that dies midway rolls everything
   back, and the next run takes the rows again.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from grids.models import GridCell

from .clock import Clock, settings_for
from .models import Escalation, Hazard, Stage, Status
from .workflow import escalations_apply

STAGES = [
    (Stage.ACCEPT, Status.REPORTED, "accept_due_at"),
    (Stage.RECTIFY, Status.RECTIFYING, "rectify_due_at"),
]
CHUNK = 300  # thresholds per statement: three parameters each, under SQLite's 999


def escalation_scan(now: datetime.datetime | None = None) -> int:
    """Escalate every overdue hazard as far as it is due. Returns the steps taken."""
    now = now or timezone.now()
    create_due_escalations(now)
    return escalations_apply(now)


def create_due_escalations(now: datetime.datetime) -> int:
    """Insert the Escalation rows due by `now` (those already there are skipped). Returns
    how many were inserted."""
    inserted = 0
    clocks: dict[int, tuple[Clock, object]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for stage, status, due_field in STAGES:
            groups = (
                Hazard.objects.filter(status=status, **{f"{due_field}__lte": now})
                .values_list("school_id", "severity")
                .annotate(deepest=Max("cell__depth"))
                .order_by()
            )
            thresholds: dict[int, list[tuple]] = {}  # level -> (school, severity, threshold)
            for school_id, severity, deepest in groups:
                if school_id not in clocks:
                    settings = settings_for(school_id)
                    clocks[school_id] = (Clock.for_school(school_id, settings), settings)
                clock, settings = clocks[school_id]
                hours = settings.hours("escalate", severity)
                # Level k is due once (k - 1) periods of clock time have passed the deadline.
                for level in range(1, deepest + 1):
                    moment = clock.before(now, (level - 1) * hours)
                    thresholds.setdefault(level, []).append(
                        (school_id, severity, connection.ops.adapt_datetimefield_value(moment))
                    )
            for level, rows in thresholds.items():
                sql = _due_statement(due_field, level)
                for first in range(0, len(rows), CHUNK):
                    chunk = rows[first : first + CHUNK]
                    values = ", ".join(["(%s, %s, %s)"] * len(chunk))
                    cursor.execute(
                        sql % values,
                        [
                            stage.value,
                            level,
                            connection.ops.adapt_datetimefield_value(timezone.now()),
                            *(value for row in chunk for value in row),
                            status.value,
                            level,
                        ],
                    )
                    inserted += max(cursor.rowcount, 0)
    return inserted


def _due_statement(due_field: str, level: int) -> str:
    """INSERT ... SELECT of the Escalation rows at `level` (the cell's ancestor `level` steps
    up, reached through `level` parent joins); `%s` after VALUES is left for the
    thresholds."""
    cell = GridCell._meta.db_table
    due = Hazard._meta.get_field(due_field).column
    parents = "".join(
        f"JOIN {cell} p{n} ON p{n}.id = p{n - 1}.parent_id " for n in range(1, level + 1)
    )
    return (
        f"INSERT INTO {Escalation._meta.db_table} "
        "(hazard_id, stage, level, cell_id, due_at, created_at, processed_at, claim) "
        f"SELECT h.id, %%s, %%s, p{level}.id, h.{due}, %%s, NULL, NULL "
        f"FROM {Hazard._meta.db_table} h "
        "JOIN (VALUES %s) t ON t.column1 = h.school_id AND t.column2 = h.severity "
        f"JOIN {cell} p0 ON p0.id = h.cell_id {parents}"
        f"WHERE h.status = %%s AND h.{due} <= t.column3 AND h.escalation_level < %%s "
        "ON CONFLICT DO NOTHING"
    )
