"""Escalation steps applied to hazards: the write half of hazards.escalation's scan.

Every write is one statement for the whole run, whatever the number of steps: the claim,
the hazards' levels (one UPDATE per stage), the events (INSERT ... SELECT from the claimed
rows, then one UPDATE giving each row its event), the inbox rows (INSERT ... SELECT joined
to the cells' managers) and the outbox rows (hazards.outbox). The steps' rows never pass
through Python.
"""

import datetime
import uuid

from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from grids.access import cell_managers_many
from grids.models import GridCell

from .. import outbox
from ..models import Action, Escalation, Hazard, HazardEvent, Notification, Stage, Status

STAGE_OF_STATUS = {Status.REPORTED: Stage.ACCEPT, Status.RECTIFYING: Stage.RECTIFY}
PAIRS = 400  # (cell, user) pairs per inbox statement: two parameters each


@transaction.atomic
def escalations_apply(now: datetime.datetime) -> int:
    """Apply the escalation steps the scan found due (hazards.escalation): claim them with one
    guarded update, then write the hazards' levels, their events, the inbox rows and the
    outgoing messages."""
    token = uuid.uuid4()
    claimed = Escalation.objects.filter(processed_at__isnull=True).update(
        processed_at=now, claim=token
    )
    if not claimed:
        return 0
    # Only rows still about the hazard's current stage are acted on; the rest stay as record.
    # The hazards are updated first: from here on this transaction holds their rows, so the
    # status the events record cannot change under it.
    for status, stage in STAGE_OF_STATUS.items():
        mine = Escalation.objects.filter(claim=token, stage=stage)
        top = mine.filter(hazard=OuterRef("pk")).order_by("-level").values("level")[:1]
        Hazard.objects.filter(pk__in=mine.values("hazard"), status=status).update(
            escalation_level=Greatest("escalation_level", Subquery(top)),
            version=F("version") + 1,
        )
    at = connection.ops.adapt_datetimefield_value(now)
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_events_statement(), [Action.ESCALATE.value, at, token.hex])
        steps = cursor.rowcount
        cursor.execute(_link_statement(), [at, token.hex])
        managers = cell_managers_many(
            GridCell.objects.filter(pk__in=Escalation.objects.filter(claim=token).values("cell"))
        )
        pairs = [(cell, user) for cell, users in managers.items() for user in users]
        for first in range(0, len(pairs), PAIRS):
            chunk = pairs[first : first + PAIRS]
            cursor.execute(
                _inbox_statement() % ", ".join(["(%s, %s)"] * len(chunk)),
                [created, *(value for pair in chunk for value in pair), token.hex],
            )
    events = (
        f"SELECT event_id FROM {Escalation._meta.db_table} "
        "WHERE claim = %s AND event_id IS NOT NULL"
    )
    outbox.outbox_write_select(events, [token.hex])
    return steps


def _link_statement() -> str:
    """UPDATE of the claimed rows (second parameter) with the event each one got (at the
    first parameter's moment, same stage and level), for the statements after it."""
    if connection.vendor == "postgresql":
        level, stage = "(ev.data ->> 'level')::int", "ev.data ->> 'stage'"
    else:
        level, stage = "json_extract(ev.data, '$.level')", "json_extract(ev.data, '$.stage')"
    table = Escalation._meta.db_table
    return (
        f"UPDATE {table} SET event_id = (SELECT ev.id FROM {HazardEvent._meta.db_table} ev "
        f"WHERE ev.hazard_id = {table}.hazard_id AND ev.at = %s "
        f"AND ev.action = '{Action.ESCALATE}' AND {level} = {table}.level "
        f"AND {stage} = {table}.stage) WHERE claim = %s"
    )


def _events_statement() -> str:
    """INSERT ... SELECT of one event per claimed row still about its hazard's stage."""
    if connection.vendor == "postgresql":
        build = "jsonb_build_object"
        due = (
            "replace(to_char(e.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'),"
            " '.000000', '') || '+00:00'"
        )
    else:
        build = "json_object"
        due = "replace(e.due_at, ' ', 'T') || '+00:00'"
    live = " OR ".join(
        f"(h.status = '{status}' AND e.stage = '{stage}')"
        for status, stage in STAGE_OF_STATUS.items()
    )
    return (
        f"INSERT INTO {HazardEvent._meta.db_table} "
        "(hazard_id, action, actor_id, at, from_status, to_status, note, data) "
        "SELECT e.hazard_id, %s, NULL, %s, h.status, h.status, '', "
        f"{build}('stage', e.stage, 'level', e.level, 'cell_id', e.cell_id, 'cell', c.name, "
        f"'due_at', {due}) "
        f"FROM {Escalation._meta.db_table} e "
        f"JOIN {Hazard._meta.db_table} h ON h.id = e.hazard_id "
        f"JOIN {GridCell._meta.db_table} c ON c.id = e.cell_id "
        f"WHERE e.claim = %s AND ({live}) ORDER BY e.hazard_id, e.level"
    )


def _inbox_statement() -> str:
    """INSERT ... SELECT of the inbox rows: each claimed row's event for the managers of
    its cell, given as VALUES (cell, user) in place of `%s`."""
    return (
        f"INSERT INTO {Notification._meta.db_table} "
        "(recipient_id, hazard_id, event_id, reason, created_at, read_at) "
        "SELECT m.column2, e.hazard_id, e.event_id, 'escalated', %%s, NULL "
        f"FROM {Escalation._meta.db_table} e JOIN (VALUES %s) m ON m.column1 = e.cell_id "
        "WHERE e.claim = %%s AND e.event_id IS NOT NULL ON CONFLICT DO NOTHING"
    )
