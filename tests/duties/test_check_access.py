"""Who sees and fills a check: the cell's people fill, the managers above look, nobody else
(another class, another school) finds it. /duties/today/ stays flat in queries."""

import pytest
from django.urls import reverse

from duties.checks.models import CheckRecord, CheckRun
from duties.checks.services import check_runs_open

from .checks_helpers import (  # noqa: F401
    MONDAY,
    at,
    carry,
    checks_fixture,
    form_data,
    on_monday_fixture,
)


@pytest.fixture
def class1_run(grid, checks):
    check_runs_open(now=at(MONDAY))
    return CheckRun.objects.get(template=checks["classroom"], cell=grid.cells["class1"])


# persona: (sees the check's page, may fill it)
MATRIX = {
    "teacher": (200, True),  # holds the class cell
    "teacher2": (404, False),  # the other class
    "manager": (200, False),  # level 2 above: looks, does not fill
    "principal": (200, False),
    "office": (404, False),  # another branch of the tree
    "guard": (404, False),
    "villager": (404, False),
    "outsider": (404, False),  # another school's leader and admin
}


@pytest.mark.parametrize(("persona", "expected"), MATRIX.items())
def test_the_check_page_by_persona(
    grid, checks, class1_run, client_for, on_monday, persona, expected
):
    status, fills = expected
    client = client_for(grid.users[persona])
    url = reverse("duties:check", args=[class1_run.pk])
    page = client.get(url)
    assert page.status_code == status
    if status == 200:
        assert (page.context["form"] is not None) is fills
    response = client.post(url, form_data(checks))
    assert response.status_code == (302 if fills else 404)
    assert CheckRecord.objects.exists() is fills


@pytest.mark.parametrize(
    ("persona", "due"),
    [("teacher", 1), ("teacher2", 1), ("guard", 1), ("office", 3), ("manager", 0), ("villager", 0)],
)
def test_today_lists_only_the_checks_of_the_users_cells(
    grid, checks, class1_run, client_for, on_monday, persona, due
):
    response = client_for(grid.users[persona]).get(reverse("duties:today"))
    assert response.status_code == 200
    runs = response.context["runs"]
    assert len(runs) == due
    own = {a.cell_id for a in grid.people[persona].assignments.all()}
    assert all(run.cell_id in own for run in runs)


def test_a_manager_sees_the_progress_of_the_cells_they_cover(
    grid, checks, class1_run, client_for, on_monday
):
    managed = client_for(grid.users["manager"]).get(reverse("duties:today")).context["managed"]
    assert (managed["due"], managed["done"]) == (2, 0)  # class1 and class2


def test_the_home_page_counts_todays_checks(grid, checks, class1_run, client_for, on_monday):
    client = client_for(grid.users["teacher"])
    client.post(reverse("duties:check", args=[class1_run.pk]), form_data(checks))
    home = client.get(reverse("home"))
    assert home.context["checks_today"] == {
        "due": 1,
        "done": 1,
        "managed_due": 1,  # the teacher manages their class cell
        "managed_done": 1,
        "missed": 0,
    }
    assert reverse("duties:today") in home.content.decode()
    principal = client_for(grid.users["principal"]).get(reverse("home"))
    assert principal.context["checks_today"]["due"] == 0
    assert principal.context["checks_today"]["managed_due"] == 6  # 2 classes, gate, 3 general
    assert reverse("duties:today") in principal.content.decode()


def test_today_takes_the_same_queries_with_many_checks(
    grid, checks, client_for, on_monday, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grids import services as grid_services
    from grids.models import Carve

    client = client_for(grid.users["teacher"])
    check_runs_open(now=at(MONDAY))
    client.get(reverse("duties:today"))  # the session, the user and the navigation, kept
    with CaptureQueriesContext(connection) as one_check:
        client.get(reverse("duties:today"))
    one_check = len(one_check)  # the log is cleared at the next request
    assert one_check <= 16  # the page and the navbar (dashboard, exports, security log links)
    # Twenty more cells for the teacher, each with its check, and checks done.
    for n in range(20):
        cell = grid_services.cell_create(
            school=grid.school,
            parent=grid.cells["grade1"],
            code=f"more{n}",
            name=f"More {n}",
            scope="inside",
            carve=Carve.SPACE,
        )
        carry(cell, "class-teacher")
        grid_services.assignment_start(
            cell=cell,
            person=grid.people["teacher"],
            role=grid.roles["manager"],
            valid_from=MONDAY,
        )
    check_runs_open(now=at(MONDAY))
    CheckRun.objects.filter(cell__code__startswith="more1").update(
        status="done", done_by=grid.users["teacher"], done_at=at(MONDAY, 8)
    )
    client.get(reverse("duties:today"))  # the navigation's flags, kept again after the changes
    with django_assert_max_num_queries(one_check):
        response = client.get(reverse("duties:today"))
    assert len(response.context["runs"]) == 21
