"""Two completions of one check at the same moment: exactly one is recorded, the other
person is told."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from duties.checks.models import CheckRecord, CheckRun, RunStatus
from duties.checks.services import Answer, check_complete, check_runs_open

from ..conftest import build_grid, require
from .checks_helpers import make_checks


def race(*steps) -> list[str]:
    barrier = threading.Barrier(len(steps))
    outcomes = []

    def run(step):
        try:
            barrier.wait()
            step()
            outcomes.append("won")
        except ValidationError:
            outcomes.append("told")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_completions_at_once_leave_one_record():
    require(connection.vendor == "postgresql", "postgres", "row locks need PostgreSQL")
    grid = build_grid()
    checks = make_checks(grid)
    check_runs_open(now=timezone.now())
    run = CheckRun.objects.get(template=checks["gate"])
    item = checks["gate"].items.get()

    def complete():
        check_complete(
            run_id=run.pk, actor=grid.users["guard"], answers=[Answer(item=item, ok=True)]
        )

    assert race(complete, complete) == ["told", "won"]
    assert CheckRecord.objects.filter(run=run).count() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
