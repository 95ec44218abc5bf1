"""Escalation end to end: beat's task, taken from the broker by a real worker."""

import datetime

import pytest
from django.utils import timezone

from hazards.models import Action, HazardEvent
from hazards.tasks import scan_escalations

from ..conftest import build_grid, wait_for
from .helpers import report


@pytest.mark.celery_worker
def test_escalation_runs_on_a_worker(live_worker):
    grid = build_grid()
    hazard = report(grid, cell="class2", now=timezone.now() - datetime.timedelta(hours=50))

    def steps():
        return HazardEvent.objects.filter(hazard=hazard, action=Action.ESCALATE).count()

    with live_worker():
        scan_escalations.delay()
        assert wait_for(lambda: steps() == 2)  # 50 h late on a 24 h clock: two levels
        scan_escalations.delay()
        scan_escalations.delay()
        assert not wait_for(lambda: steps() > 2, timeout=3)
    hazard.refresh_from_db()
    assert hazard.escalation_level == 2
