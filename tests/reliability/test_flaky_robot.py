"""A group robot that fails half the time still gets every message, each exactly once by its
idempotency key, with the waits between attempts doubling."""

import datetime
from collections import defaultdict

from django.utils import timezone

from hazards import outbox
from hazards.models import Delivery, DeliveryKind, DeliveryStatus, WebhookChannel, WebhookKind

from ..hazards.helpers import report

REPORTS = 6
CHANNELS = 2


def test_every_message_arrives_once_through_a_robot_failing_half_the_time(
    grid, robot_factory, django_capture_on_commit_callbacks
):
    robot = robot_factory(fail_rate=0.5, seed=7)
    for kind in (WebhookKind.WECOM, WebhookKind.DINGTALK):
        WebhookChannel.objects.create(school=grid.school, kind=kind, name=kind, url=robot.url)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(REPORTS):
            report(grid, cell="class2", now=timezone.now() - datetime.timedelta(minutes=n))

    rows = Delivery.objects.filter(kind=DeliveryKind.WEBHOOK)
    assert rows.count() == REPORTS * CHANNELS == 12
    assert len(robot.requests) == 12  # the first attempt of each, right after its commit

    # Beat's sweep, once a minute, until nothing is pending.
    now = timezone.now()
    seen = {row.pk: row.attempts for row in rows}
    waits = defaultdict(list)  # row: [(attempt, wait set after that failure)]
    for _minute in range(24 * 60):
        if not rows.filter(status=DeliveryStatus.PENDING).exists():
            break
        now += datetime.timedelta(minutes=1)
        due_before = dict(rows.values_list("pk", "next_attempt_at"))
        outbox.sweep(now=now)
        for row in rows.all():
            if row.attempts == seen[row.pk]:
                assert row.status != DeliveryStatus.PENDING or row.next_attempt_at > now
                continue
            assert row.attempts == seen[row.pk] + 1  # one attempt per sweep, only when due
            assert due_before[row.pk] <= now < due_before[row.pk] + datetime.timedelta(minutes=1)
            seen[row.pk] = row.attempts
            if row.status == DeliveryStatus.PENDING:
                waits[row.pk].append((row.attempts, row.next_attempt_at - now))

    # Every message taken exactly once, none dropped as a copy (no sender died).
    keys = {str(key) for key in rows.values_list("key", flat=True)}
    assert set(robot.accepted) == keys and len(keys) == 12
    assert all(times == 1 for times in robot.accepted.values())
    assert not robot.duplicates
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # Each attempt is one request; about half of them failed.
    for row in rows.all():
        assert row.attempts == robot.attempts(str(row.key))
    failures = sum(1 for _key, outcome in robot.requests if outcome in ("http 500", "errcode"))
    assert len(robot.requests) == sum(seen.values()) == 12 + failures
    assert 0.3 < failures / len(robot.requests) < 0.7
    assert (len(robot.requests), failures) == (31, 19)  # what seed 7 gives, in this order
    assert sorted(seen.values()) == [1, 1, 1, 2, 2, 2, 2, 2, 3, 4, 5, 6]

    # After the n-th failure the row waits 60 s * 2^(n-1): 1, 2, 4, 8 minutes ...
    for series in waits.values():
        for attempt, wait in series:
            assert wait == datetime.timedelta(minutes=2 ** (attempt - 1))
    longest = max(waits.values(), key=len)
    assert len(longest) >= 3
    gaps = [wait for _attempt, wait in longest]
    assert gaps == sorted(gaps) and len(set(gaps)) == len(gaps)


def test_the_wait_doubles_up_to_a_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    assert [outbox.backoff(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert outbox.backoff(500).total_seconds() == 3600
