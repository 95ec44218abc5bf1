"""E-mail and group robots: real HTTP to a local server, real message formats, retries."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from hazards import delivery, outbox
from hazards.models import Delivery, DeliveryStatus, WebhookChannel, WebhookKind

from ..conftest import build_grid, wait_for
from .helpers import report


class Robot:
    """A local stand-in for a group robot: answers each POST from a script of statuses."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.received = []
        self.attempts = 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.attempts += 1
                status = robot.statuses.pop(0) if robot.statuses else 200
                if status == 200:
                    robot.received.append((self.path, json.loads(body)))
                answer = json.dumps({"errcode": 0 if status == 200 else 500}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send?key=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot_factory():
    robots = []

    def make(*statuses):
        robots.append(Robot(statuses))
        return robots[-1]

    yield make
    for robot in robots:
        robot.close()


def channel(grid, kind, url, secret=""):
    return WebhookChannel.objects.create(
        school=grid.school, kind=kind, name=kind, url=url, secret=secret
    )


def test_wecom_and_dingtalk_formats(grid, robot_factory, django_capture_on_commit_callbacks):
    wecom, ding = robot_factory(), robot_factory()
    channel(grid, WebhookKind.WECOM, wecom.url)
    channel(grid, WebhookKind.DINGTALK, ding.url, secret="SEC123")
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(grid, reporter="guard", cell="class2", severity="major")

    ((_path, body),) = wecom.received
    assert body["msgtype"] == "markdown"
    assert hazard.number in body["markdown"]["content"]
    assert "http://testserver/hazards/" in body["markdown"]["content"]

    ((path, body),) = ding.received
    assert body["msgtype"] == "markdown"
    assert hazard.number in body["markdown"]["title"]
    assert body["markdown"]["text"].startswith("### ")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    assert query["key"] == ["abc"]


def test_only_report_escalate_and_close_reach_the_group(
    grid, robot_factory, django_capture_on_commit_callbacks
):
    from .helpers import accept

    robot = robot_factory()
    channel(grid, WebhookKind.WECOM, robot.url)
    hazard = report(grid, cell="class2")
    with django_capture_on_commit_callbacks(execute=True):
        accept(grid, hazard, actor="manager", assignee="teacher2")
    assert robot.received == []


def test_a_failing_robot_is_retried_later_and_does_not_block_others(
    grid, robot_factory, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    flaky = robot_factory(500, 500)
    dead = robot_factory(*([500] * 20))
    good = robot_factory()
    channel(grid, WebhookKind.WECOM, dead.url)
    channel(grid, WebhookKind.WECOM, flaky.url)
    channel(grid, WebhookKind.DINGTALK, good.url)
    with django_capture_on_commit_callbacks(execute=True):
        report(grid, cell="class2")
    assert (flaky.attempts, dead.attempts, len(good.received)) == (1, 1, 1)

    later = timezone.now()
    for _ in range(8):  # each sweep a day on: every wait is over
        later += datetime.timedelta(days=1)
        outbox.sweep(now=later)
    assert flaky.attempts == 3 and len(flaky.received) == 1
    assert len(good.received) == 1 and good.attempts == 1
    assert dead.received == [] and dead.attempts == 5  # given up after OUTBOX_MAX_ATTEMPTS
    statuses = dict(Delivery.objects.values_list("channel__url", "status"))
    assert statuses == {
        dead.url: DeliveryStatus.FAILED,
        flaky.url: DeliveryStatus.SENT,
        good.url: DeliveryStatus.SENT,
    }


def test_emails_go_to_notified_users_with_an_address(grid, django_capture_on_commit_callbacks):
    grid.users["teacher"].email = "teacher@school.example"
    grid.users["teacher"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        hazard = report(grid, reporter="guard", cell="class1")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["teacher@school.example"]
    assert hazard.number in message.subject
    assert f"http://testserver/hazards/{hazard.pk}/" in message.body


def test_unreachable_robot_raises_delivery_error(grid):
    ch = channel(grid, WebhookKind.WECOM, "http://127.0.0.1:9/nothing")
    hazard = report(grid, cell="class2")
    row = Delivery.objects.get(event__hazard=hazard, channel=ch)
    with pytest.raises(delivery.DeliveryError):
        delivery.send_webhook(row)


@pytest.mark.celery_worker
def test_a_real_worker_sends_and_the_sweep_retries(live_worker, robot_factory):
    grid = build_grid()
    flaky = robot_factory(500)
    channel(grid, WebhookKind.WECOM, flaky.url)
    with live_worker() as app:
        assert not app.conf.task_always_eager
        report(grid, cell="class2")  # committed at once: the delivery goes to the broker
        assert wait_for(lambda: flaky.attempts == 1, timeout=30)
        outbox.sweep(now=timezone.now() + datetime.timedelta(hours=1))  # as beat would, later
    assert flaky.attempts == 2 and len(flaky.received) == 1
