"""A Celery worker SIGKILLed in the middle of a delivery or of an escalation scan leaves no
step half-done, and the next worker finishes it exactly once."""

import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from hazards.models import (
    Action,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Escalation,
    HazardEvent,
    Notification,
    WebhookChannel,
    WebhookKind,
)
from hazards.tasks import scan_escalations, sweep_outbox

from ..conftest import build_grid, wait_for
from ..hazards.helpers import report

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]


def robot_channel(grid, robot):
    return WebhookChannel.objects.create(
        school=grid.school, kind=WebhookKind.WECOM, name="safety group", url=robot.url
    )


def give_addresses(grid, *personas):
    for persona in personas:
        user = grid.users[persona]
        user.email = f"{persona}@north.example"
        user.save(update_fields=["email"])


def all_sent() -> bool:
    return not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_a_worker_killed_mid_delivery_leaves_it_pending_and_the_next_sends_it_once(
    private_redis, worker_process, robot_factory
):
    grid = build_grid()
    give_addresses(grid, "teacher2")
    robot = robot_factory(block_first=True)
    robot_channel(grid, robot)
    first = worker_process(private_redis.url, OUTBOX_LEASE_SECONDS="2")
    first.start()

    report(grid, reporter="guard", cell="class2")  # committed: its task goes to the broker
    assert wait_for(robot.blocking.is_set, 60), first.output()
    email = Delivery.objects.get(kind=DeliveryKind.EMAIL)
    post = Delivery.objects.get(kind=DeliveryKind.WEBHOOK)
    first.kill()  # the robot took the post; the worker dies before it hears so
    robot.released.set()

    email.refresh_from_db()
    post.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.SENT, 1)  # sent before the post
    assert (post.status, post.attempts, post.sent_at) == (DeliveryStatus.PENDING, 1, None)
    assert robot.accepted == {str(post.key): 1}

    # The next worker: once the dead one's lease is over, beat's sweep hands it the post.
    second = worker_process(private_redis.url, OUTBOX_LEASE_SECONDS="2")
    second.start()
    assert wait_for(lambda: Delivery.objects.filter(next_attempt_at__lte=timezone.now()).exists())
    sweep_outbox.delay()
    assert wait_for(all_sent, 60), second.output()
    sweep_outbox.delay()
    assert not wait_for(lambda: len(robot.requests) > 2, timeout=3)

    post.refresh_from_db()
    assert (post.status, post.attempts) == (DeliveryStatus.SENT, 2)
    # Two requests, one message: the retry carried the same key and the robot dropped it.
    assert len(robot.requests) == 2
    assert robot.accepted == {str(post.key): 1} and robot.duplicates == {str(post.key): 1}
    assert second.message_ids() == [f"<{email.key}@gridsafety>"]  # the e-mail went once
    assert HazardEvent.objects.count() == 1 and Delivery.objects.count() == 2


def backend_waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_alive(pid) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_escalation_scan_leaves_nothing_and_the_next_escalates_once(
    private_redis, worker_process, robot_factory
):
    grid = build_grid()
    give_addresses(grid, "teacher2", "manager", "principal")
    robot = robot_factory()
    robot_channel(grid, robot)
    fifty_hours_ago = timezone.now() - datetime.timedelta(hours=50)
    hazard = report(grid, reporter="guard", cell="class2", now=fifty_hours_ago)
    version = hazard.version

    # Hold the hazard's row: the scan claims its steps, writes their events, then waits
    # at the hazard's level, inside its transaction. That is where the worker dies.
    db = connection.settings_dict
    holder = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        holder.execute("SELECT id FROM hazards_hazard WHERE id = %s FOR UPDATE", [hazard.pk])
        first = worker_process(private_redis.url)
        first.start()
        scan_escalations.delay()
        assert wait_for(backend_waiting_on_a_lock, 60), first.output()
        pid = backend_waiting_on_a_lock()
        first.kill()
    finally:
        holder.rollback()
        holder.close()
    assert wait_for(lambda: not backend_alive(pid), 30)  # its transaction rolled back

    def escalated():
        return HazardEvent.objects.filter(hazard=hazard, action=Action.ESCALATE)

    hazard.refresh_from_db()
    assert (hazard.escalation_level, hazard.version) == (0, version)
    assert not escalated().exists()
    assert not Notification.objects.filter(reason="escalated").exists()
    assert not Delivery.objects.filter(event__action=Action.ESCALATE).exists()
    # The due steps (phase 1, committed on their own) wait, unclaimed, for the next run.
    assert list(Escalation.objects.values_list("level", "processed_at")) == [(1, None), (2, None)]

    second = worker_process(private_redis.url)
    second.start()
    scan_escalations.delay()
    assert wait_for(lambda: escalated().count() == 2, 60), second.output()
    scan_escalations.delay()
    scan_escalations.delay()
    sweep_outbox.delay()
    assert wait_for(all_sent, 60), second.output()
    assert not wait_for(lambda: escalated().count() > 2, timeout=3)

    hazard.refresh_from_db()
    assert hazard.escalation_level == 2  # 50 h late on a 24 h clock: two levels, once each
    assert escalated().count() == 2
    assert not Escalation.objects.filter(processed_at__isnull=True).exists()
    # Level 1 is grade 1, whose head has no login: the nearest manager above, the teaching
    # section's, is told of both steps.
    assert list(
        Notification.objects.filter(reason="escalated").values_list("recipient__username")
    ) == [("manager",), ("manager",)]
    # Messages: the report (robot, teacher2) and the two steps (robot and manager each).
    assert Delivery.objects.filter(kind=DeliveryKind.WEBHOOK).count() == 3
    assert Delivery.objects.filter(kind=DeliveryKind.EMAIL).count() == 3
    assert len(robot.requests) == 3 and len(robot.accepted) == 3 and not robot.duplicates
    ids = second.message_ids()
    assert sorted(ids) == sorted(
        f"<{key}@gridsafety>"
        for key in Delivery.objects.filter(kind=DeliveryKind.EMAIL).values_list("key", flat=True)
    )
