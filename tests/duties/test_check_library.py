"""The checks' library and demo data, the admin that edits them, and the beat schedule."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from duties.checks.models import CheckRun, CheckTemplate, Frequency, Term
from duties.checks.seed import check_library_seed
from duties.services import duty_library_seed
from grids.models import School
from gridsafety.celery import app

from .checks_helpers import checks_fixture  # noqa: F401


def test_the_library_seeds_the_plans_checks_once(grid):
    duty_library_seed(grid.school)
    assert check_library_seed(grid.school) == 6
    templates = {t.title: t for t in CheckTemplate.objects.filter(duty__school=grid.school)}
    assert templates["校门巡查"].frequency == Frequency.DAILY
    assert templates["校门巡查"].duty.post.code == "security-guard"
    assert templates["专用教室每周设备检查"].frequency == Frequency.WEEKLY
    assert templates["每月消防设施检查"].hazard_category.code == "fire"
    assert templates["学期校舍设施安全排查"].frequency == Frequency.TERM
    assert templates["体育设施课前检查"].frequency == Frequency.SCHOOL_DAYS
    assert templates["每月消防设施检查"].items.filter(kind="number").count() == 1
    templates["校门巡查"].delete()  # the school edits its checks: a new seed keeps that
    assert check_library_seed(grid.school) == 0
    assert CheckTemplate.objects.filter(duty__school=grid.school).count() == 5


def test_the_demo_has_terms_checks_and_todays_checks_once(db):
    call_command("seed_demo")
    counts = (Term.objects.count(), CheckTemplate.objects.count(), CheckRun.objects.count())
    call_command("seed_demo")
    assert counts == (Term.objects.count(), CheckTemplate.objects.count(), CheckRun.objects.count())
    school = School.objects.get(code="qingshi")
    assert Term.objects.filter(school=school, start="2026-09-01", end="2027-01-20").exists()
    assert CheckTemplate.objects.filter(duty__school=school).count() == 6
    # The guard's gate has its daily patrol, whatever the day.
    assert CheckRun.objects.filter(
        cell__school=school, template__frequency=Frequency.DAILY, cell__code="2-02-02-01"
    ).exists()


def test_the_beat_opens_checks_and_marks_misses():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"duties.tasks.open_check_runs", "duties.tasks.mark_missed_checks"} <= tasks


@pytest.fixture
def school_admin(grid, checks):
    user = grid.users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_a_school_admin_edits_their_schools_checks_only(grid, checks, school_admin, client_for):
    client = client_for(school_admin)
    listing = client.get(reverse("admin:duties_checktemplate_changelist"))
    assert listing.status_code == 200
    shown = {t.pk for t in listing.context["cl"].result_list}
    assert checks["classroom"].pk in shown and checks["south"].pk not in shown
    other = client.get(reverse("admin:duties_checktemplate_change", args=[checks["south"].pk]))
    assert other.status_code == 302  # outside the queryset: back to the index
    page = client.get(reverse("admin:duties_checktemplate_change", args=[checks["gate"].pk]))
    duties = page.context["adminform"].form.fields["duty"].queryset
    assert not duties.exclude(school=grid.school).exists()


def test_check_history_is_read_only_in_the_admin(grid, checks, school_admin, client_for):
    client = client_for(school_admin)
    assert client.get(reverse("admin:duties_checkrun_add")).status_code == 403
    assert client.get(reverse("admin:duties_checkrecord_add")).status_code == 403


def test_a_term_may_not_overlap_another(grid, checks):
    from django.core.exceptions import ValidationError

    term = Term(school=grid.school, name="Overlap", start="2027-01-10", end="2027-02-01")
    with pytest.raises(ValidationError):
        term.full_clean()
