"""Two planners giving the same empty day to different people at once: one plans it, the
other is asked for a reason (someone is now on duty), and the day has one row in force."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from duties.models import RosterDay
from duties.roster import services
from grids import services as grid_services
from grids.models import RosterKind

from ..conftest import build_grid, require


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_plans_of_one_day_cannot_both_start_its_chain():
    require(
        connection.vendor == "postgresql", "postgres", "row locks need PostgreSQL (DATABASE_URL)"
    )
    grid = build_grid()
    cell = grid_services.cell_create(
        school=grid.school,
        parent=grid.cells["general"],
        code="duty_week",
        name="Duty week",
        roster_kind=RosterKind.DUTY_WEEK,
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    planners = [("office", "teacher"), ("admin", "teacher2")]
    barrier = threading.Barrier(len(planners))
    outcomes = []

    def plan(actor, person):
        try:
            barrier.wait()
            services.roster_set(
                cell=cell,
                person=grid.people[person],
                first=tomorrow,
                last=tomorrow,
                actor=grid.users[actor],
            )
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=plan, args=args) for args in planners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "won"]
    assert RosterDay.objects.current().filter(cell=cell, day=tomorrow).count() == 1
    assert RosterDay.objects.count() == 1
