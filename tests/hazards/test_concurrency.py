"""Two people acting on one hazard at the same moment: exactly one step is taken."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from hazards import workflow
from hazards.models import Hazard, HazardEvent

from ..conftest import build_grid, require
from .helpers import report


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_leave_one_event():
    require(connection.vendor == "postgresql", "postgres", "row locks need PostgreSQL")
    grid = build_grid()
    hazard = report(grid, cell="class2")
    version = hazard.version
    barrier = threading.Barrier(2)
    outcomes = []

    def accept():
        workflow.hazard_accept(
            hazard_id=hazard.pk,
            actor=grid.users["manager"],
            assignee=grid.people["teacher2"],
            expected_version=version,
        )

    def decline():
        workflow.hazard_decline(
            hazard_id=hazard.pk,
            actor=grid.users["principal"],
            reason="duplicate",
            expected_version=version,
        )

    def run(step):
        try:
            barrier.wait()
            step()
            outcomes.append("won")
        except (workflow.StaleHazard, ValidationError):
            outcomes.append("told")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(s,)) for s in (accept, decline)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["told", "won"]
    assert HazardEvent.objects.filter(hazard=hazard).exclude(action="report").count() == 1
    hazard.refresh_from_db()
    assert hazard.version == version + 1


@pytest.mark.django_db(transaction=True)
def test_reports_from_two_workers_at_once_all_go_in_numbered_in_turn():
    # Two gunicorn workers reporting at the same moment. On SQLite a reading transaction
    # could not then write while the other held the lock ("database is locked" at once,
    # bench/load.py): transactions now take the write lock when they begin.
    grid = build_grid()
    barrier = threading.Barrier(2)
    errors = []

    def run(reporter):
        try:
            barrier.wait()
            for _ in range(10):
                report(grid, reporter=reporter, cell="class1", now=None)
        except Exception as error:  # every failure is the finding
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(who,)) for who in ("teacher", "guard")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Hazard.objects.values_list("number", flat=True))
    assert [n.rsplit("-", 1)[1] for n in numbers] == [f"{n:04d}" for n in range(1, 21)]
