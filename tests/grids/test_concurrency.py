"""Two admins staffing one post at the same moment: one wins, the other is told why."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from grids import services
from grids.models import Assignment

from ..conftest import build_grid, require


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_cannot_both_win():
    require(
        connection.vendor == "postgresql", "postgres", "row locks need PostgreSQL (DATABASE_URL)"
    )
    grid = build_grid()
    cell = grid.cells["canteen"]
    services.assignment_end(assignment=cell.assignments.get(), on=None)
    candidates = [grid.people["teacher2"], grid.people["grade_head"]]
    barrier = threading.Barrier(len(candidates))
    outcomes = []

    def staff(person):
        try:
            barrier.wait()
            services.assignment_start(cell=cell, person=person, role=grid.role("manager"))
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=staff, args=(p,)) for p in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "won"]
    assert Assignment.objects.current().filter(cell=cell).count() == 1
