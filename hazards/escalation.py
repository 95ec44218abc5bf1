"""Escalation (duban): a hazard late on a stage climbs the tree, one level per overdue period.

A periodic scan derives "overdue" from the deadlines, so a missed run catches up. Two
phases, each safe to run twice or on two workers at once:

1. Due rows: for every hazard past its stage's deadline, one Escalation row per level it
   should have reached, inserted with ON CONFLICT DO NOTHING against the unique
   (hazard, stage, level) constraint.
2. Applying (`workflow.escalations_apply`, with every other write to a hazard): one guarded
   UPDATE claims the unprocessed rows for this run; in the same transaction their events,
   hazard levels and inbox rows are written. A worker that dies midway rolls everything
   back, and the next run takes the rows again.
"""

import datetime

from django.utils import timezone

from grids.models import GridCell

from .clock import Clock, settings_for
from .models import Escalation, Hazard, Stage, Status
from .workflow import escalations_apply

STAGES = [
    (Stage.ACCEPT, Status.REPORTED, "accept_due_at"),
    (Stage.RECTIFY, Status.RECTIFYING, "rectify_due_at"),
]


def escalation_scan(now: datetime.datetime | None = None) -> int:
    """Escalate every overdue hazard as far as it is due. Returns the steps taken."""
    now = now or timezone.now()
    create_due_escalations(now)
    return escalations_apply(now)


def create_due_escalations(now: datetime.datetime) -> int:
    wanted: list[Escalation] = []
    clocks: dict[int, tuple[Clock, object]] = {}
    parents = None
    for stage, status, due_field in STAGES:
        overdue = Hazard.objects.filter(status=status, **{f"{due_field}__lte": now}).values_list(
            "pk", "school_id", "severity", due_field, "escalation_level", "cell_id", "cell__depth"
        )
        for pk, school_id, severity, due_at, level, cell_id, depth in overdue.iterator(2000):
            if school_id not in clocks:
                settings = settings_for(school_id)
                clocks[school_id] = (Clock.for_school(school_id, settings), settings)
            clock, settings = clocks[school_id]
            period = datetime.timedelta(hours=settings.hours("escalate", severity))
            steps = 1 + int(clock.elapsed(due_at, now) / period)
            target = min(steps, depth)  # level 1 is as high as it goes
            if target <= level:
                continue
            if parents is None:
                parents = _parent_map()
            cell = cell_id
            for _ in range(level):
                cell = parents[cell]
            for step in range(level + 1, target + 1):
                cell = parents[cell]
                wanted.append(
                    Escalation(hazard_id=pk, stage=stage, level=step, cell_id=cell, due_at=due_at)
                )
    Escalation.objects.bulk_create(wanted, batch_size=1000, ignore_conflicts=True)
    return len(wanted)


def _parent_map() -> dict[int, int | None]:
    return dict(GridCell.objects.values_list("pk", "parent_id").iterator(5000))
