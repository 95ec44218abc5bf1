"""The transactional outbox: every message a step sends is a Delivery row first.

1. `outbox_write`, inside the step's transaction: one row per e-mail recipient and per group
   robot. The step and its messages commit together or not at all.
2. `dispatch_after_commit`: once committed, a Celery task is asked to send them at once. Only
   a hint: with the broker down the request goes on and the rows wait.
3. `deliver`: claim the row with one guarded update (pending, due, and pushed a lease into the
   future, so no other worker takes it meanwhile), send, mark it sent. A failure sets the next
   attempt later and later (doubling up to a cap); past the last attempt the row is failed.
   A worker that dies mid-send leaves the row pending; when the lease runs out it is due again.
4. `sweep`, from beat every minute: deliver every pending row that is due. It is what makes
   delivery independent of the broker keeping (or ever receiving) a task.

A message may be sent twice only when a worker dies between sending and marking; both copies
carry the row's key, for the receiver to drop one.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import delivery
from .models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Hazard,
    HazardEvent,
    Notification,
    WebhookChannel,
)

log = logging.getLogger(__name__)

BATCH = 500


def outbox_write(events: list[HazardEvent]) -> int:
    """The messages `events` cause, as pending rows; call it inside the step's transaction,
    after the events' inbox rows. E-mail goes to each notified user with an address; the
    school's active robots hear of the events in delivery.GROUP_ACTIONS."""
    if not events:
        return 0
    by_id = {event.pk: event for event in events}
    rows = [
        Delivery(event_id=event_id, kind=DeliveryKind.EMAIL, recipient_id=user_id, target=address)
        for event_id, user_id, address in Notification.objects.filter(event__in=by_id)
        .exclude(recipient__email="")
        .values_list("event_id", "recipient_id", "recipient__email")
        .order_by("event_id", "recipient_id")
    ]
    grouped = [event for event in events if event.action in delivery.GROUP_ACTIONS]
    if grouped:
        active = WebhookChannel.objects.filter(
            school_id__in={event.hazard.school_id for event in grouped}, is_active=True
        ).order_by("pk")
        channels = {}
        for pk, school_id, name in active.values_list("pk", "school_id", "name"):
            channels.setdefault(school_id, []).append((pk, name))
        rows += [
            Delivery(event=event, kind=DeliveryKind.WEBHOOK, channel_id=pk, target=name)
            for event in grouped
            for pk, name in channels.get(event.hazard.school_id, [])
        ]
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def outbox_write_select(events: str, params: list) -> int:
    """`outbox_write` for events given as a subquery (`events` selects their ids, with
    `params`), in two INSERT ... SELECT statements whatever their number; for steps that
    write many events at once (the escalation scan). Queues them for after the commit."""
    if connection.vendor == "postgresql":
        key = "gen_random_uuid()"
    else:
        key = "lower(hex(randomblob(16)))"  # Django keeps UUIDs as 32 hex digits there
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    head = (
        f"INSERT INTO {Delivery._meta.db_table} (event_id, kind, recipient_id, channel_id, "
        'target, "key", status, attempts, next_attempt_at, claim, last_error, created_at, '
        "sent_at) "
    )
    pending = f"{key}, '{DeliveryStatus.PENDING}', 0, %s, NULL, '', %s, NULL"
    user = get_user_model()._meta.db_table
    emails = (
        f"{head}SELECT n.event_id, '{DeliveryKind.EMAIL}', n.recipient_id, NULL, u.email, "
        f"{pending} FROM {Notification._meta.db_table} n JOIN {user} u ON u.id = n.recipient_id "
        f"WHERE n.event_id IN ({events}) AND u.email <> '' ORDER BY n.event_id, n.recipient_id"
    )
    actions = ", ".join(f"'{action}'" for action in sorted(delivery.GROUP_ACTIONS))
    posts = (
        f"{head}SELECT ev.id, '{DeliveryKind.WEBHOOK}', NULL, w.id, w.name, {pending} "
        f"FROM {HazardEvent._meta.db_table} ev "
        f"JOIN {Hazard._meta.db_table} h ON h.id = ev.hazard_id "
        f"JOIN {WebhookChannel._meta.db_table} w ON w.school_id = h.school_id AND w.is_active "
        f"WHERE ev.id IN ({events}) AND ev.action IN ({actions}) ORDER BY ev.id, w.id"
    )
    written = 0
    with connection.cursor() as cursor:
        for sql in (emails, posts):
            cursor.execute(sql, [now, now, *params])
            written += max(cursor.rowcount, 0)
        if written:
            cursor.execute(events, params)
            dispatch_after_commit([pk for (pk,) in cursor.fetchall()])
    return written


def dispatch_after_commit(event_ids: list[int]) -> None:
    """Ask a worker to send the events' messages once the step has committed."""
    transaction.on_commit(lambda: dispatch(event_ids))


def dispatch(event_ids: list[int]) -> None:
    """Queue the delivery task; a broker that does not answer is logged, never raised: the
    rows are committed and beat's sweep sends them."""
    from .tasks import deliver_events

    for start in range(0, len(event_ids), BATCH):
        chunk = event_ids[start : start + BATCH]
        try:
            deliver_events.apply_async((chunk,), retry=False)
        except Exception as error:  # the broker's client raises many kinds; none may escape
            log.warning("broker unavailable (%s); the outbox sweep will send %s", error, chunk)


def deliver_events(event_ids: list[int], now: datetime.datetime | None = None) -> int:
    """Send the due, pending messages of these events. Returns how many went out."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        event_id__in=event_ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).order_by("pk")
    return sum(deliver(pk, now) for pk in list(due.values_list("pk", flat=True)))


def sweep(now: datetime.datetime | None = None) -> int:
    """Send every pending message that is due, oldest first, each at most once per sweep.
    Returns how many went out."""
    now = now or timezone.now()
    sent, after = 0, 0
    while True:
        due = list(
            Delivery.objects.filter(
                status=DeliveryStatus.PENDING, next_attempt_at__lte=now, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            return sent
        sent += sum(deliver(pk, now) for pk in due)
        after = due[-1]


def deliver(pk: int, now: datetime.datetime | None = None) -> bool:
    """Claim one row, send it, record the outcome. False when another worker holds it, it is
    not due, or the send failed."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = Delivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(
        claim=token,
        attempts=F("attempts") + 1,
        next_attempt_at=now + datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
    )
    if not claimed:
        return False
    row = Delivery.objects.select_related("channel").get(pk=pk)
    try:
        if row.kind == DeliveryKind.EMAIL:
            delivery.send_email(row)
        else:
            delivery.send_webhook(row)
    except Exception as error:  # SMTP, HTTP, a deleted template: all are the row's failure
        _failed(row, token, error, now)
        return False
    # Sent is sent, whoever sent it: a slower worker whose lease ran out may also finish.
    Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def backoff(attempts: int) -> datetime.timedelta:
    """Wait after the `attempts`-th failure: the base, doubled each time, up to the cap."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 20)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _failed(row: Delivery, token: uuid.UUID, error: Exception, now: datetime.datetime) -> None:
    given_up = row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    log.warning(
        "%s %s to %s failed (attempt %s%s): %s",
        row.kind,
        row.key,
        row.target,
        row.attempts,
        ", giving up" if given_up else "",
        error,
    )
    Delivery.objects.filter(pk=row.pk, claim=token, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED if given_up else DeliveryStatus.PENDING,
        next_attempt_at=now + backoff(row.attempts),
        last_error=str(error)[:2000],
    )
