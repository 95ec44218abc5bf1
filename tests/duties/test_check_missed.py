"""Misses: a check undone at the end of its period is marked missed once, with when; each
manager gets one digest a day listing all of them, sent once however often the job runs."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from duties.checks.models import CheckRun, MissedDigest, RunStatus
from duties.checks.services import (
    Answer,
    check_complete,
    check_runs_mark_missed,
    check_runs_open,
    missed_checks_process,
)
from duties.tasks import mark_missed_checks

from .checks_helpers import MONDAY, at, checks_fixture  # noqa: F401

TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture
def monday_done_for_class2(grid, checks):
    check_runs_open(now=at(MONDAY))
    run = CheckRun.objects.get(template=checks["classroom"], cell=grid.cells["class2"])
    window, temp, *_ = checks["classroom"].items.all()
    check_complete(
        run_id=run.pk,
        actor=grid.users["teacher2"],
        answers=[Answer(item=window, ok=True), Answer(item=temp, number=20)],
        now=at(MONDAY, 9),
    )
    return run


def test_checks_undone_at_the_end_of_their_period_become_missed(
    grid, checks, monday_done_for_class2
):
    assert check_runs_mark_missed(now=at(MONDAY, 23)) == 0  # the day is not over
    marked = check_runs_mark_missed(now=at(TUESDAY, 0))
    runs = {
        (r.cell.code, r.template.title): r
        for r in CheckRun.objects.select_related("cell", "template")
    }
    assert runs[("class1", "Classroom check")].status == RunStatus.MISSED
    assert runs[("class1", "Classroom check")].missed_at == at(TUESDAY, 0)
    assert runs[("class1", "Classroom check")].missed_on == TUESDAY
    assert runs[("class2", "Classroom check")].status == RunStatus.DONE
    # The week, the month (November ends on Monday 30th) and the term run on.
    assert runs[("general", "Weekly walk")].status == RunStatus.OPEN
    assert runs[("general", "Fire equipment")].status == RunStatus.MISSED
    assert runs[("general", "Term inspection")].status == RunStatus.OPEN
    assert marked == 4  # class1, gate, fire, and the other school's class
    assert check_runs_mark_missed(now=at(TUESDAY, 6)) == 0
    run = runs[("class1", "Classroom check")]
    run.refresh_from_db()
    assert run.missed_at == at(TUESDAY, 0)  # not marked again


def test_each_manager_gets_one_digest_listing_the_days_misses(
    grid, checks, django_capture_on_commit_callbacks
):
    for user in grid.users.values():
        user.email = f"{user.username}@example.edu.cn"
        user.save(update_fields=["email"])
    check_runs_open(now=at(MONDAY))
    with django_capture_on_commit_callbacks(execute=True):
        missed_checks_process(now=at(TUESDAY, 0))
    with django_capture_on_commit_callbacks(execute=True):
        missed_checks_process(now=at(TUESDAY, 6))  # the catch-up run finds nothing new
    recipients = sorted(address for message in mail.outbox for address in message.to)
    # class1 and class2 (both missed) report to grade1, whose head has no login: the nearest
    # manager above is the level-2 manager. The gate and general affairs report to logistics
    # and security, whose heads have no login either: the principal. The south school's class
    # goes to its own leader.
    assert recipients == [
        "manager@example.edu.cn",
        "outsider@example.edu.cn",
        "principal@example.edu.cn",
    ]
    to_manager = next(m for m in mail.outbox if m.to == ["manager@example.edu.cn"])
    assert to_manager.body.count("Classroom check") == 2
    assert "Class1" in to_manager.body and "Class2" in to_manager.body
    digest = MissedDigest.objects.get(recipient=grid.users["principal"])
    assert digest.sent_at is not None and digest.day == TUESDAY
    assert {r.template.title for r in digest.runs.all()} == {"Gate patrol", "Fire equipment"}
    assert MissedDigest.objects.count() == 3


def test_the_beat_task_marks_and_sends_once_when_run_twice(
    grid, checks, django_capture_on_commit_callbacks, monkeypatch
):
    from django.utils import timezone

    grid.users["manager"].email = "manager@example.edu.cn"
    grid.users["manager"].save(update_fields=["email"])
    check_runs_open(now=at(MONDAY))
    monkeypatch.setattr(timezone, "now", lambda: at(TUESDAY, 0))
    with django_capture_on_commit_callbacks(execute=True):
        first = mark_missed_checks.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = mark_missed_checks.delay().get()
    assert (first, second) == (5, 0)
    assert [m.to for m in mail.outbox] == [["manager@example.edu.cn"]]
    assert MissedDigest.objects.filter(recipient=grid.users["manager"]).count() == 1


def test_a_digest_is_sent_once_even_if_its_task_runs_twice(
    grid, checks, django_capture_on_commit_callbacks
):
    from duties.checks.services import missed_digest_send

    grid.users["manager"].email = "manager@example.edu.cn"
    grid.users["manager"].save(update_fields=["email"])
    check_runs_open(now=at(MONDAY))
    check_runs_mark_missed(now=at(TUESDAY, 0))
    from duties.checks.services import missed_digests_create

    [digest_id] = [
        d
        for d in missed_digests_create(day=TUESDAY)
        if MissedDigest.objects.get(pk=d).recipient == grid.users["manager"]
    ]
    assert missed_digest_send(digest_id=digest_id) is True
    assert missed_digest_send(digest_id=digest_id) is False
    assert len(mail.outbox) == 1


def test_the_manager_sees_the_days_misses_on_the_today_page(grid, checks, client_for, monkeypatch):
    from django.utils import timezone

    check_runs_open(now=at(MONDAY))
    missed_checks_process(now=at(TUESDAY, 0))
    monkeypatch.setattr(timezone, "now", lambda: at(TUESDAY, 9))
    page = client_for(grid.users["manager"]).get(reverse("duties:today"))
    managed = page.context["managed"]
    assert managed["missed_count"] == 2
    assert {run.cell.code for run in managed["missed"]} == {"class1", "class2"}
    assert managed["digest"] is not None
    home = client_for(grid.users["manager"]).get(reverse("home"))
    assert home.context["checks_today"]["missed"] == 2
    assert 'data-testid="home-missed"' in home.content.decode()
    # The teacher who missed it finds it on the check's page, marked missed and closed.
    run = CheckRun.objects.get(template=checks["classroom"], cell=grid.cells["class1"])
    teacher = client_for(grid.users["teacher"]).get(reverse("duties:check", args=[run.pk]))
    assert teacher.context["form"] is None and teacher.context["run"].status == RunStatus.MISSED
