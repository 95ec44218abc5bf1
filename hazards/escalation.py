"""Escalation (duban): a hazard late on a stage climbs the tree, one level per overdue period.

A periodic scan derives "overdue" from the deadlines, so a missed run catches up. Two
phases, each safe to run twice or on two workers at once:

1. Due rows: for every hazard past its stage's deadline, one Escalation row per level it
   should have reached, inserted with ON CONFLICT DO NOTHING against the unique
   (hazard, stage, level) constraint.
2. Processing: one guarded UPDATE claims the unprocessed rows for this run; in the same
   transaction their events, hazard levels and inbox rows are written. A worker that dies
   midway rolls everything back, and the next run takes the rows again.
"""

import datetime
import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from grids.access import cell_managers
from grids.models import GridCell

from .clock import Clock, settings_for
from .models import Action, Escalation, Hazard, HazardEvent, Notification, Stage, Status
from .workflow import deliver_after_commit

STAGES = [
    (Stage.ACCEPT, Status.REPORTED, "accept_due_at"),
    (Stage.RECTIFY, Status.RECTIFYING, "rectify_due_at"),
]
STAGE_OF_STATUS = {status: stage for stage, status, _field in STAGES}


def escalation_scan(now: datetime.datetime | None = None) -> int:
    """Escalate every overdue hazard as far as it is due. Returns the steps taken."""
    now = now or timezone.now()
    create_due_escalations(now)
    return process_escalations(now)


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


@transaction.atomic
def process_escalations(now: datetime.datetime) -> int:
    token = uuid.uuid4()
    claimed = Escalation.objects.filter(processed_at__isnull=True).update(
        processed_at=now, claim=token
    )
    if not claimed:
        return 0
    rows = list(
        Escalation.objects.filter(claim=token)
        .select_related("hazard", "cell")
        .order_by("hazard_id", "level")
    )
    # Only rows still about the hazard's current stage are acted on; the rest stay as record.
    live = [e for e in rows if STAGE_OF_STATUS.get(e.hazard.status) == e.stage]
    events = HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard_id=e.hazard_id,
                action=Action.ESCALATE,
                at=now,
                from_status=e.hazard.status,
                to_status=e.hazard.status,
                data={
                    "stage": e.stage,
                    "level": e.level,
                    "cell_id": e.cell_id,
                    "cell": e.cell.name,
                    "due_at": e.due_at.isoformat(),
                },
            )
            for e in live
        ],
        batch_size=1000,
    )
    top = defaultdict(int)
    for e in live:
        top[e.hazard_id] = max(top[e.hazard_id], e.level)
    by_level = defaultdict(list)
    for hazard_id, level in top.items():
        by_level[level].append(hazard_id)
    for level, ids in by_level.items():
        Hazard.objects.filter(pk__in=ids).update(
            escalation_level=Greatest("escalation_level", level), version=F("version") + 1
        )
    managers = {cell: cell_managers(cell) for cell in {e.cell for e in live}}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id, hazard_id=e.hazard_id, event=event, reason="escalated"
            )
            for e, event in zip(live, events, strict=True)
            for user_id in managers[e.cell]
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    deliver_after_commit([event.pk for event in events])
    return len(live)
