"""Escalation steps applied to hazards: the write half of hazards.escalation's scan."""

import datetime
import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from grids.access import cell_managers

from ..models import Action, Escalation, Hazard, HazardEvent, Notification, Stage, Status
from .loop import deliver_after_commit

STAGE_OF_STATUS = {Status.REPORTED: Stage.ACCEPT, Status.RECTIFYING: Stage.RECTIFY}


@transaction.atomic
def escalations_apply(now: datetime.datetime) -> int:
    """Apply the escalation steps the scan found due (hazards.escalation): claim them with one
    guarded update, then write their events, the hazards' levels, the inbox rows and the
    outgoing messages."""
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
                hazard=e.hazard,
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
    deliver_after_commit(events)
    return len(live)
