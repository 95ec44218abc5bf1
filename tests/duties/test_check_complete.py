"""Completing a check: final once recorded, corrections as new linked records, a problem item
opening a hazard in the cell, pre-filled and linked."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from duties.checks import services
from duties.checks.models import CheckAnswer, CheckRecord, CheckRun, RunStatus
from duties.checks.services import Answer, check_complete, check_runs_open
from hazards.models import Hazard, HazardPhoto

from ..hazards.helpers import upload
from .checks_helpers import MONDAY, at, checks_fixture, form_data, on_monday_fixture  # noqa: F401


@pytest.fixture
def opened(grid, checks, settings):
    check_runs_open(now=at(MONDAY))
    return {
        key: CheckRun.objects.get(template=checks[t], cell=grid.cells[key])
        for key, t in [("class1", "classroom"), ("class2", "classroom"), ("gate", "gate")]
    }


def classroom_answers(checks, ok=True, temperature=20, photos=()):
    window, temp, remarks, pictures = checks["classroom"].items.all()
    return [
        Answer(item=window, ok=ok, is_problem=not ok, detail="" if ok else "Latch broken"),
        Answer(item=temp, number=temperature, is_problem=window.out_of_bounds(None)),
        Answer(item=remarks, text="Fine"),
        Answer(item=pictures, photos=list(photos)),
    ]


def test_a_completion_records_who_and_when_and_marks_the_check_done(grid, checks, opened):
    record = check_complete(
        run_id=opened["class1"].pk,
        actor=grid.users["teacher"],
        answers=classroom_answers(checks),
        now=at(MONDAY, 9),
    )
    run = CheckRun.objects.get(pk=opened["class1"].pk)
    assert run.status == RunStatus.DONE
    assert run.done_by == grid.users["teacher"] and run.done_at == at(MONDAY, 9)
    assert record.submitted_by == grid.users["teacher"] and record.submitted_at == at(MONDAY, 9)
    assert record.answers.count() == 4
    assert not Hazard.objects.exists()


def test_a_completion_is_final_and_a_correction_is_a_new_linked_record(grid, checks, opened):
    kwargs = {"run_id": opened["class1"].pk, "actor": grid.users["teacher"]}
    first = check_complete(answers=classroom_answers(checks), now=at(MONDAY, 9), **kwargs)
    with pytest.raises(ValidationError) as error:
        check_complete(answers=classroom_answers(checks), now=at(MONDAY, 10), **kwargs)
    assert error.value.messages == [str(services.ALREADY_DONE)]
    second = check_complete(
        answers=classroom_answers(checks, temperature=22),
        corrects=first,
        now=at(MONDAY, 10),
        **kwargs,
    )
    assert second.corrects == first
    first.refresh_from_db()
    assert first.submitted_at == at(MONDAY, 9)  # the first record is untouched
    assert CheckAnswer.objects.filter(record=first, number=20).exists()
    run = CheckRun.objects.get(pk=opened["class1"].pk)
    assert run.done_at == at(MONDAY, 9)  # done when first completed
    with pytest.raises(ValidationError) as error:  # correcting the corrected record again
        check_complete(
            answers=classroom_answers(checks), corrects=first, now=at(MONDAY, 11), **kwargs
        )
    assert error.value.messages == [str(services.STALE_CORRECTION)]
    assert CheckRecord.objects.count() == 2


def test_a_problem_opens_a_hazard_in_the_cell_with_the_photos_linked_to_the_answer(
    grid, checks, opened
):
    record = check_complete(
        run_id=opened["class1"].pk,
        actor=grid.users["teacher"],
        answers=classroom_answers(checks, ok=False, photos=[upload()]),
        note="Seen at 8:30",
        now=at(MONDAY, 9),
    )
    answer = record.answers.get(is_problem=True)
    hazard = answer.hazard
    assert hazard.cell == grid.cells["class1"]
    assert hazard.reporter == grid.users["teacher"]
    assert "Classroom check" in hazard.description
    assert "Windows and doors safe" in hazard.description
    assert "Latch broken" in hazard.description and "Seen at 8:30" in hazard.description
    assert hazard.category.school == grid.school
    assert Hazard.objects.count() == 1


def test_a_problem_items_own_photos_go_with_its_hazard(grid, checks, opened):
    window, temp, *_rest = checks["classroom"].items.all()
    answers = [
        Answer(item=window, ok=False, is_problem=True, photos=[upload(), upload("b.jpg")]),
        Answer(item=temp, number=20),
    ]
    record = check_complete(
        run_id=opened["class1"].pk, actor=grid.users["teacher"], answers=answers, now=at(MONDAY, 9)
    )
    hazard = record.answers.get(is_problem=True).hazard
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 2
    assert record.answers.get(is_problem=True).photos.count() == 2


def test_a_correction_keeps_the_hazard_already_opened_for_the_item(grid, checks, opened):
    kwargs = {"run_id": opened["class1"].pk, "actor": grid.users["teacher"], "now": at(MONDAY, 9)}
    first = check_complete(answers=classroom_answers(checks, ok=False), **kwargs)
    second = check_complete(answers=classroom_answers(checks, ok=False), corrects=first, **kwargs)
    assert Hazard.objects.count() == 1
    assert second.answers.get(is_problem=True).hazard == first.answers.get(is_problem=True).hazard


def test_a_check_past_its_period_cannot_be_completed(grid, checks, opened):
    with pytest.raises(ValidationError) as error:
        check_complete(
            run_id=opened["class1"].pk,
            actor=grid.users["teacher"],
            answers=classroom_answers(checks),
            now=at(MONDAY + datetime.timedelta(days=1)),
        )
    assert error.value.messages == [str(services.PERIOD_OVER)]
    assert not CheckRecord.objects.exists()


def test_another_teacher_cannot_complete_the_check(grid, checks, opened):
    with pytest.raises(PermissionDenied):
        check_complete(
            run_id=opened["class1"].pk,
            actor=grid.users["teacher2"],
            answers=classroom_answers(checks),
            now=at(MONDAY, 9),
        )


# Through the pages ------------------------------------------------------------------------


def test_the_teacher_completes_todays_check_from_the_phone_form(
    grid, checks, opened, client_for, on_monday
):
    client = client_for(grid.users["teacher"])
    today = client.get(reverse("duties:today"))
    assert [run.pk for run in today.context["runs"]] == [opened["class1"].pk]
    url = reverse("duties:check", args=[opened["class1"].pk])
    assert client.get(url).context["form"] is not None
    response = client.post(url, form_data(checks))
    assert response.status_code == 302
    run = CheckRun.objects.get(pk=opened["class1"].pk)
    assert run.status == RunStatus.DONE and run.done_by == grid.users["teacher"]
    assert client.get(url).context["form"] is None  # final: no form, a correction link
    # A second phone that still shows the form is told, and nothing is added.
    again = client.post(url, form_data(checks), follow=True)
    assert any(str(services.ALREADY_DONE) in str(m) for m in again.context["messages"])
    assert CheckRecord.objects.count() == 1


def test_a_number_out_of_range_is_a_problem_and_opens_a_hazard(
    grid, checks, opened, client_for, on_monday
):
    client = client_for(grid.users["teacher"])
    url = reverse("duties:check", args=[opened["class1"].pk])
    client.post(url, form_data(checks, temperature="41"))
    answer = CheckAnswer.objects.get(is_problem=True)
    assert answer.number == 41 and answer.hazard.cell == grid.cells["class1"]


def test_a_missing_answer_is_explained_and_nothing_is_recorded(
    grid, checks, opened, client_for, on_monday
):
    client = client_for(grid.users["teacher"])
    url = reverse("duties:check", args=[opened["class1"].pk])
    data = form_data(checks)
    window = checks["classroom"].items.first()
    del data[f"item_{window.pk}"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"item_{window.pk}" in response.context["form"].errors
    assert not CheckRecord.objects.exists()


def test_a_correction_through_the_page_links_the_records(
    grid, checks, opened, client_for, on_monday
):
    client = client_for(grid.users["teacher"])
    url = reverse("duties:check", args=[opened["class1"].pk])
    client.post(url, form_data(checks))
    first = CheckRecord.objects.get()
    page = client.get(url + "?correct=1")
    assert page.context["form"].initial[f"item_{checks['classroom'].items.first().pk}"] == "ok"
    client.post(url, form_data(checks, temperature="25", corrects=str(first.pk)))
    second = CheckRecord.objects.exclude(pk=first.pk).get()
    assert second.corrects == first
    # Posting the stale form again adds nothing.
    response = client.post(url, form_data(checks, corrects=str(first.pk)), follow=True)
    assert CheckRecord.objects.count() == 2
    assert any(str(services.STALE_CORRECTION) in str(m) for m in response.context["messages"])
