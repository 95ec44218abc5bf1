"""Redis stopped: staff still report, accept, rectify and close hazards, and every message is
delivered, once, after it is back. The broker is a private redis-server, never the shared one."""

import datetime
import logging
from collections import Counter

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hazards.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Hazard,
    Notification,
    Status,
    WebhookChannel,
    WebhookKind,
)
from hazards.tasks import sweep_outbox

from ..conftest import build_grid, wait_for
from ..hazards.helpers import upload
from .conftest import thread_worker


def client_of(grid, persona) -> Client:
    client = Client()
    client.force_login(grid.users[persona])
    return client


def post_report(client, grid, cell):
    return client.post(
        reverse("hazards:new"),
        {
            "cell": grid.cells[cell].pk,
            "spot": "stairs",
            "category": grid.school.hazard_categories.get(code="electrical").pk,
            "severity": "serious",
            "description": "Loose socket",
            "photos": [upload("a.jpg")],
        },
    )


def act(client, hazard, action, **fields):
    hazard.refresh_from_db()
    data = {f"{action}-version": hazard.version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(reverse("hazards:act", args=[hazard.pk, action]), data)


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_the_loop_works_with_redis_stopped_and_every_message_goes_out_after(
    private_redis, robot_factory, caplog
):
    grid = build_grid()
    for key, user in grid.users.items():
        user.email = f"{key}@north.example"
        user.save(update_fields=["email"])
    robot = robot_factory()
    WebhookChannel.objects.create(
        school=grid.school, kind=WebhookKind.WECOM, name="safety group", url=robot.url
    )
    teacher, guard = client_of(grid, "teacher"), client_of(grid, "guard")
    manager, principal = client_of(grid, "manager"), client_of(grid, "principal")

    # Redis up, no worker yet: the report's task waits in a broker that will lose it.
    assert post_report(teacher, grid, "class1").status_code == 302
    first = Hazard.objects.get()

    private_redis.stop()
    caplog.set_level(logging.WARNING, logger="hazards.outbox")
    assert post_report(guard, grid, "gate").status_code == 302
    second = Hazard.objects.exclude(pk=first.pk).get()
    due = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    steps = [
        act(manager, first, "accept", assignee=grid.people["teacher"].pk, rectify_due_at=due),
        act(teacher, first, "submit", note="fixed", photos=[upload("after.jpg")]),
        act(principal, first, "verify", note="ok"),
        act(principal, second, "decline", reason="not a hazard"),
    ]
    assert [response.status_code for response in steps] == [302] * 4
    for client, url in [
        (principal, reverse("home")),
        (principal, reverse("hazards:list")),
        (principal, reverse("hazards:detail", args=[first.pk])),
        (teacher, reverse("hazards:inbox")),
    ]:
        assert client.get(url).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.CLOSED, Status.DECLINED)
    refused = [r for r in caplog.records if r.getMessage().startswith("broker unavailable")]
    assert len(refused) == 5  # one per step taken while Redis was down, none raised

    # Nothing went out; every message waits as a row.
    rows = Delivery.objects.all()
    assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    notified = Notification.objects.values_list("event__action", "recipient__username")
    assert sorted(notified) == [  # each reporter managed their own cell: not told of it
        ("accept", "teacher"),
        ("decline", "guard"),
        ("submit", "manager"),
        ("verify", "teacher"),
    ]
    emails = len(notified)  # every notified user has an address
    assert rows.filter(kind=DeliveryKind.EMAIL).count() == emails
    assert rows.filter(kind=DeliveryKind.WEBHOOK).count() == 3  # two reports, one close
    assert mail.outbox == [] and robot.requests == []

    # Redis back, empty (it kept nothing): beat's sweep on a worker sends it all.
    private_redis.start()
    with thread_worker() as app:
        assert not app.conf.task_always_eager
        sweep_outbox.delay()
        assert wait_for(lambda: not rows.filter(status=DeliveryStatus.PENDING).exists(), 60)
        sweep_outbox.delay()  # a second sweep finds nothing to send again
        assert not wait_for(lambda: len(mail.outbox) > emails or len(robot.requests) > 3, 3)

    assert rows.filter(status=DeliveryStatus.SENT).count() == emails + 3 == 7
    assert len(mail.outbox) == emails == 4
    ids = Counter(message.extra_headers["Message-ID"] for message in mail.outbox)
    assert len(ids) == 4 and set(ids.values()) == {1}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        rows.filter(kind=DeliveryKind.EMAIL).values_list("target", flat=True)
    )
    assert len(robot.requests) == 3 and len(robot.accepted) == 3
    assert set(robot.accepted.values()) == {1}
