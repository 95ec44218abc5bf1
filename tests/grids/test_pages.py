"""The grid's pages: content, forms, and query counts that do not grow with the grid."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids import services
from grids.models import Assignment

from ..factories import PersonFactory


def add_classes(grid, count):
    """Grow the grid: `count` more level-4 classes with a teacher each under grade 1."""
    role = grid.role("manager")
    for n in range(count):
        cell = services.cell_create(
            school=grid.school, parent=grid.cells["grade1"], code=f"extra-{n:03d}", name=f"C{n}"
        )
        services.assignment_start(
            cell=cell,
            person=PersonFactory(school=grid.school),
            role=role,
            valid_from=datetime.date(2026, 9, 1),
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["principal", "manager", "teacher", "admin"])
def test_tree_queries_do_not_grow_with_cells(
    grid, client_for, persona, django_assert_max_num_queries
):
    client = client_for(grid.users[persona])
    url = reverse("grids:tree")
    small = count_queries(client, url)
    add_classes(grid, 30)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    if persona in {"principal", "manager", "admin"}:
        assert response.content.decode().count('data-cell="extra-') == 30


@pytest.mark.parametrize(
    ("url_name", "persona"),
    [("home", "principal"), ("home", "teacher"), ("grids:coverage", "admin")],
)
def test_pages_do_not_grow_with_cells(
    grid, client_for, url_name, persona, django_assert_max_num_queries
):
    client = client_for(grid.users[persona])
    small = count_queries(client, reverse(url_name))
    add_classes(grid, 30)
    with django_assert_max_num_queries(small):
        client.get(reverse(url_name))


def test_cell_page_queries_do_not_grow_with_history(
    grid, client_for, django_assert_max_num_queries
):
    client = client_for(grid.users["admin"])
    cell = grid.cells["class1"]
    url = reverse("grids:cell", args=[cell.pk])
    small = count_queries(client, url)
    for month in range(10, 13):
        services.assignment_replace(
            cell=cell,
            role=grid.role("manager"),
            person=PersonFactory(school=grid.school),
            on=datetime.date(2026, month, 1),
            note="rotation",
        )
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["history"]) == 4


def test_home_shows_my_cells_and_roles(grid, client_for):
    response = client_for(grid.users["teacher"]).get(reverse("home"))
    assert {a.cell.code for a in response.context["assignments"]} == {"class1", "road"}
    assert response.context["covered_count"] == 2
    assert "problems" not in response.context


def test_home_for_a_login_without_a_person(db, client_for):
    from ..factories import UserFactory

    response = client_for(UserFactory()).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["person"] is None


def test_cell_page_shows_people_duties_and_history(grid, client_for):
    cell = grid.cells["canteen"]
    cell.duties = "Check the gas valves daily."
    cell.save(update_fields=["duties"])
    response = client_for(grid.users["office"]).get(reverse("grids:cell", args=[cell.pk]))
    html = response.content.decode()
    assert "Check the gas valves daily." in html
    assert grid.people["cook"].name in html
    assert grid.people["cook"].phone in html  # the manager of the cell sees the number


def test_phone_is_masked_for_those_who_only_belong(grid, client_for):
    cell = grid.cells["road"]
    response = client_for(grid.users["villager"]).get(reverse("grids:cell", args=[cell.pk]))
    phone = grid.people["teacher"].phone
    html = response.content.decode()
    assert phone not in html
    assert f"{phone[:3]}****{phone[-4:]}" in html


def test_reassign_hands_over_and_keeps_history(grid, client_for):
    cell = grid.cells["class2"]
    client = client_for(grid.users["admin"])
    response = client.post(
        reverse("grids:reassign", args=[cell.pk]),
        {
            "role": grid.role("manager").pk,
            "person": grid.people["cook"].pk,
            "valid_from": "2026-11-01",
            "note": "new term",
        },
    )
    assert response.status_code == 302
    rows = list(cell.assignments.order_by("valid_from"))
    assert [(a.person.name, a.valid_to) for a in rows] == [
        ("Teacher2", datetime.date(2026, 11, 1)),
        ("Cook", None),
    ]
    assert rows[1].created_by == grid.users["admin"]
    page = client.get(reverse("grids:cell", args=[cell.pk])).content.decode()
    assert "new term" in page


def test_reassign_refusal_is_explained_and_changes_nothing(grid, client_for):
    """A handover dated before the current holder started cannot end their term."""
    cell = grid.cells["gate"]
    before = list(Assignment.objects.values_list("pk", "valid_to"))
    response = client_for(grid.users["admin"]).post(
        reverse("grids:reassign", args=[cell.pk]),
        {
            "role": grid.role("manager").pk,
            "person": grid.people["cook"].pk,
            "valid_from": "2026-08-01",
            "note": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert list(Assignment.objects.values_list("pk", "valid_to")) == before


def test_reassign_refuses_a_person_of_another_school(grid, client_for):
    response = client_for(grid.users["admin"]).post(
        reverse("grids:reassign", args=[grid.cells["class2"].pk]),
        {
            "role": grid.role("manager").pk,
            "person": grid.people["south_teacher"].pk,
            "valid_from": "2026-11-01",
            "note": "x",
        },
    )
    assert response.status_code == 200
    assert "person" in response.context["form"].errors


def test_reassign_form_offers_only_fitting_roles(grid, client_for):
    response = client_for(grid.users["admin"]).get(
        reverse("grids:reassign", args=[grid.cells["road"].pk])
    )
    roles = {role.code for role in response.context["form"].fields["role"].queryset}
    assert roles == {"liaison-teacher", "community-worker", "parent-volunteer"}


def test_ending_a_stale_assignment_says_so(grid, client_for):
    """Two admins end the same assignment: the second is told it already ended."""
    assignment = grid.cells["canteen"].assignments.get()
    client = client_for(grid.users["admin"])
    url = reverse("grids:end_assignment", args=[assignment.pk])
    first = client.post(url, {"valid_to": "2026-10-01", "note": "left"})
    second = client.post(url, {"valid_to": "2026-10-05", "note": "left"})
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].non_field_errors()
    assignment.refresh_from_db()
    assert assignment.valid_to == datetime.date(2026, 10, 1)


def test_pages_are_chinese_by_default_and_english_on_request(grid, client_for):
    client = client_for(grid.users["teacher"])
    assert "我的网格" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "My cells" in client.get(reverse("home")).content.decode()


def test_login_page_renders_and_logs_in(grid, client):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "teacher", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_is_refused_with_a_message(grid, client):
    response = client.post(reverse("login"), {"username": "teacher", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_no_page_links_to_an_outside_host(grid, client_for):
    client = client_for(grid.users["principal"])
    for url in [reverse("home"), reverse("grids:tree"), reverse("login")]:
        html = client.get(url).content.decode()
        assert "http://" not in html and "https://" not in html and 'src="//' not in html
