"""The demo school comes with class rolls and a few days of checks, loaded once."""

from django.core.management import call_command

from duties.health.models import ClassRoll, HealthCheck, IllnessCase
from duties.health.permissions import overseen_classes
from duties.health.selectors import summary
from grids.models import School

from .conftest import MONDAY, SATURDAY


def test_the_demo_has_rolls_and_history_and_loads_once(db, travel):
    travel(MONDAY)
    call_command("seed_demo")
    school = School.objects.get(code="qingshi")
    assert ClassRoll.objects.filter(cell__school=school).count() == 12
    checks = HealthCheck.objects.count()
    # Three past school days of both sessions, and this morning's for all but one class.
    assert HealthCheck.objects.filter(cell__school=school).count() == 12 * 3 * 2 + 11
    assert IllnessCase.objects.filter(cell__school=school).exists()

    travel(SATURDAY)
    call_command("seed_demo")
    assert HealthCheck.objects.count() == checks
    from django.contrib.auth import get_user_model

    principal = get_user_model().objects.get(username="principal")
    week = summary(list(overseen_classes(principal)), MONDAY)
    assert sum(sum(counter.values()) for _day, counter in week.days) > 0
    assert week.alerts  # the demo's fever cluster
