"""The outbox: a step's messages are rows of its own transaction; one claim, one send."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hazards import outbox
from hazards.escalation import escalation_scan
from hazards.models import Delivery, DeliveryKind, DeliveryStatus, WebhookChannel, WebhookKind

from .helpers import T0, accept, report

H = datetime.timedelta(hours=1)


def robot(grid, url="http://127.0.0.1:9/robot", school=None, active=True):
    return WebhookChannel.objects.create(
        school=school or grid.school,
        kind=WebhookKind.WECOM,
        name="group",
        url=url,
        is_active=active,
    )


def give_address(grid, persona):
    grid.users[persona].email = f"{persona}@north.example"
    grid.users[persona].save(update_fields=["email"])


def rows(**filters):
    return sorted(Delivery.objects.filter(**filters).values_list("kind", "target"))


def test_messages_go_to_addressed_recipients_and_active_robots_of_the_school(grid):
    give_address(grid, "teacher2")
    robot(grid)
    robot(grid, url="http://127.0.0.1:9/off", active=False)
    robot(grid, school=grid.other_school)
    hazard = report(grid, reporter="guard", cell="class2", severity="major")
    # teacher2 (the cell) and principal (major) are notified; only teacher2 has an address.
    assert rows() == [
        (DeliveryKind.EMAIL, "teacher2@north.example"),
        (DeliveryKind.WEBHOOK, "group"),
    ]
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}

    accept(grid, hazard, actor="manager", assignee="teacher2")  # not a group event
    assert rows(event__action="accept") == [(DeliveryKind.EMAIL, "teacher2@north.example")]


def test_a_step_rolled_back_leaves_no_message_and_queues_nothing(
    grid, django_capture_on_commit_callbacks
):
    robot(grid)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            report(grid, reporter="guard", cell="class2")
            assert Delivery.objects.count() == 1  # written with the step ...
            raise RuntimeError
    assert Delivery.objects.count() == 0  # ... and gone with it
    assert callbacks == []


def test_a_claimed_message_is_not_taken_again(grid):
    robot(grid)  # nothing listens on port 9: every attempt fails
    report(grid, reporter="guard", cell="class2")
    row = Delivery.objects.get()
    now = timezone.now()
    assert outbox.deliver(row.pk, now) is False
    row.refresh_from_db()
    assert row.attempts == 1 and row.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert "Connection refused" in row.last_error
    assert outbox.deliver(row.pk, now) is False  # not due: untouched
    assert outbox.sweep(now) == 0
    row.refresh_from_db()
    assert row.attempts == 1


def test_escalation_writes_its_messages_in_queries_that_do_not_grow(
    grid, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    give_address(grid, "manager")
    robot(grid)

    def scan(hazards, start, late):
        for n in range(hazards):
            report(grid, cell="class2", now=start + n * datetime.timedelta(seconds=1))
        with CaptureQueriesContext(connection) as queries:
            escalation_scan(now=start + late)
        return len(queries)

    def escalation_messages():
        return rows(event__action="escalate")

    # Two hazards 100 h late climb all three levels: the robot hears of each step, the
    # teaching manager (for grade 1 and teaching) has an address, the principal none.
    few = scan(2, T0, 100 * H)
    assert len(escalation_messages()) == 2 * 3 + 2 * 2
    with django_assert_max_num_queries(few):
        escalation_scan(now=T0 + 101 * H)  # nothing more to do
    # Eight more, 50 h late: two levels each, in no more queries than the two took.
    more = scan(8, T0 + 200 * H, 50 * H)
    assert more <= few
    assert len(escalation_messages()) == 10 + 8 * 2 + 8 * 2


def test_the_outbox_is_in_the_admin_for_the_schools_own_rows(grid, client_for):
    robot(grid)
    robot(grid, school=grid.other_school)
    report(grid, reporter="guard", cell="class2")
    report(grid, reporter="outsider", cell="south_class")
    admin = grid.users["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    response = client_for(admin).get(reverse("admin:hazards_delivery_changelist"))
    assert response.status_code == 200
    shown = {row.event.hazard.school_id for row in response.context["cl"].result_list}
    assert shown == {grid.school.pk}
