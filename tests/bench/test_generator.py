"""The benchmark's school generator: realistic states, consistent with the workflow's rules."""

import datetime
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from bench.school import big_school, full_timeline_hazard, principal_of
from duties.checks.models import CheckRecord, CheckRun, RunStatus
from grids.models import GridCell, Person
from hazards.escalation import escalation_scan
from hazards.models import Action, Escalation, Hazard, HazardEvent, HazardPhoto, Notification
from hazards.selectors import todo

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    now = timezone.now()
    school = big_school("gen-test", hazards=400, people=150, check_days=1, now=now)
    return school, now


def test_school_shape_and_states(generated):
    school, _now = generated
    assert GridCell.objects.filter(school=school).count() == 2011
    assert Person.objects.filter(school=school, user__isnull=False).count() == 150
    states = Counter(school.hazards.values_list("status", flat=True))
    assert set(states) == {"reported", "rectifying", "verifying", "declined", "closed"}
    assert states["closed"] > 0.9 * 400
    # Every event is counted in the hazard's version, and every report has its photo.
    versions = dict(school.hazards.values_list("pk", "version"))
    events = dict(
        HazardEvent.objects.filter(hazard__school=school)
        .values_list("hazard_id")
        .annotate(n=Count("id"))
    )
    assert versions == events
    assert HazardPhoto.objects.filter(hazard__school=school, kind="before").count() == 400
    assert Escalation.objects.filter(hazard__school=school).exists()
    assert Notification.objects.filter(hazard__school=school, read_at__isnull=True).exists()
    runs = Counter(CheckRun.objects.filter(cell__school=school).values_list("status", flat=True))
    assert runs[RunStatus.DONE] == CheckRecord.objects.filter(run__cell__school=school).count()
    assert runs[RunStatus.OPEN] > 0
    # The runs' outcomes were written in bulk: each done run says when and by whom, each
    # missed one the next day.
    done = CheckRun.objects.filter(cell__school=school, status=RunStatus.DONE)
    assert not done.filter(done_at__isnull=True).exists()
    assert not done.filter(done_by__isnull=True).exists()
    missed = list(
        CheckRun.objects.filter(cell__school=school, status=RunStatus.MISSED).values_list(
            "period_end", "missed_on", "missed_at"
        )
    )
    assert missed
    assert all(
        on == end + datetime.timedelta(days=1) and timezone.localdate(at) == on
        for end, on, at in missed
    )


def test_full_timeline_and_principal(generated):
    school, _now = generated
    hazard = full_timeline_hazard(school)
    actions = list(hazard.events.values_list("action", flat=True))
    assert actions == [
        Action.REPORT,
        Action.ACCEPT,
        Action.ESCALATE,
        Action.SUBMIT,
        Action.REJECT,
        Action.SUBMIT,
        Action.VERIFY,
    ]
    principal = principal_of(school)
    assert principal.grid_person.school == school
    # A major hazard is in flight in every school, on level 1's to-do list as the workflow
    # puts it there: the principal's pages are measured in the same state at every size.
    assert ("major", "reported") in set(todo(principal).values_list("severity", "status"))


def test_escalations_caught_up_and_ids_usable(generated):
    school, now = generated
    # The generator escalated the overdue hazards as far as the scan would: nothing left.
    assert escalation_scan(now=now) == 0
    # Ids were handed out by the generator; the database's own ids still follow them.
    hazard = Hazard.objects.filter(school=school).first()
    event = HazardEvent.objects.create(
        hazard=hazard, action=Action.DEADLINE, at=now, to_status=hazard.status
    )
    assert event.pk > max(HazardEvent.objects.exclude(pk=event.pk).values_list("pk", flat=True))
