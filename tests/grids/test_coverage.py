"""The coverage check: every rule broken and every empty cell, as data, page and command."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from grids.coverage import grid_problems
from grids.models import Assignment

LATER = datetime.date(2026, 10, 1)


def codes(problems):
    return {(p.cell.code, p.code) for p in problems}


def test_a_complete_grid_has_no_problems(grid):
    assert grid_problems(grid.school) == []
    assert grid_problems(grid.other_school) == []


def test_an_empty_cell_is_a_gap(grid):
    Assignment.objects.filter(cell=grid.cells["canteen"]).update(valid_to=LATER)
    problems = grid_problems(grid.school, on=LATER)
    assert codes(problems) == {("canteen", "no_person")}
    assert problems[0].is_gap


def test_a_cell_with_members_but_no_manager(grid):
    Assignment.objects.filter(cell=grid.cells["root"], role__code="manager").update(valid_to=LATER)
    assert codes(grid_problems(grid.school, on=LATER)) == {("root", "no_manager")}


def test_rules_broken_by_data_written_around_the_services(grid):
    """Rows from an import or the database console are still checked."""
    start = datetime.date(2026, 9, 1)
    Assignment.objects.create(
        cell=grid.cells["class1"],
        person=grid.people["cook"],
        role=grid.role("manager"),
        valid_from=start,
    )
    Assignment.objects.create(
        cell=grid.cells["road"],
        person=grid.people["cook"],
        role=grid.role("parent-volunteer"),
        valid_from=start,
    )
    Assignment.objects.filter(cell=grid.cells["road"], role__code="community-worker").update(
        valid_to=start
    )
    Assignment.objects.create(
        cell=grid.cells["general"],
        person=grid.people["cook"],
        role=grid.role("community-worker"),
        valid_from=start,
    )
    found = codes(grid_problems(grid.school, on=LATER))
    assert found == {
        ("class1", "many_managers"),
        ("class1", "not_one_member"),
        ("road", "outside_role_repeated"),
        ("road", "outside_role_missing"),
        ("general", "role_misplaced"),
    }


def test_problems_speak_the_users_language(grid):
    from django.utils import translation

    Assignment.objects.filter(cell=grid.cells["canteen"]).update(valid_to=LATER)
    with translation.override("zh-hans"):
        zh = grid_problems(grid.school, on=LATER)[0].message
    with translation.override("en"):
        en = grid_problems(grid.school, on=LATER)[0].message
    assert en == "Nobody is assigned to this cell."
    assert zh != en and "网格" in zh


def test_command_is_quiet_and_zero_when_complete(grid, capsys):
    call_command("grid_coverage")
    out = capsys.readouterr().out
    assert "north" in out and "OK" in out


def test_command_exits_non_zero_on_gaps(grid, capsys):
    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 9, 2))
    with pytest.raises(CommandError) as error:
        call_command("grid_coverage", "--school", "north")
    assert error.value.returncode == 1
    assert "gate" in capsys.readouterr().out


def test_command_rejects_an_unknown_school(grid):
    with pytest.raises(CommandError):
        call_command("grid_coverage", "--school", "nowhere")


def test_coverage_page_lists_the_gaps(grid, client_for):
    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 9, 2))
    response = client_for(grid.users["admin"]).get(reverse("grids:coverage"))
    assert response.status_code == 200
    assert [p.cell.code for p in response.context["gaps"]] == ["gate"]
    assert response.context["broken"] == []


def test_tree_highlights_gaps(grid, client_for):
    Assignment.objects.filter(cell=grid.cells["gate"]).update(valid_to=datetime.date(2026, 9, 2))
    response = client_for(grid.users["principal"]).get(reverse("grids:tree"))
    html = response.content.decode()
    gate = html[html.index('data-cell="gate"') :]
    assert "is-gap" in gate[: gate.index("</li>")]
    assert html.count("is-gap") == 1
