"""The gate's visitor register: in, listed while inside, out once; only at the guard's gate."""

import pytest
from django.urls import reverse

from duties.models import CellPost, Post, Visit
from duties.services import duty_library_seed

VISITOR = {
    "visitor": "Zhao Visitor",
    "phone": "13900001234",
    "organisation": "Water company",
    "purpose": "Meter reading",
    "host": "General affairs",
    "health_check": "36.5, green",
}


@pytest.fixture
def gate(grid):
    duty_library_seed(grid.school)
    duty_library_seed(grid.other_school)
    for school, key in [(grid.school, "gate"), (grid.other_school, "south_class")]:
        CellPost.objects.create(
            cell=grid.cells[key], post=Post.objects.get(school=school, code="security-guard")
        )
    return grid.cells["gate"]


def test_a_visitor_is_logged_in_listed_and_logged_out_once(grid, gate, client_for):
    client = client_for(grid.users["guard"])
    url = reverse("duties:visits")
    response = client.post(url, VISITOR)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.cell == gate and visit.entered_by == grid.users["guard"]
    page = client.get(url)
    assert [v.pk for v in page.context["inside"]] == [visit.pk]

    leave = reverse("duties:visit_leave", args=[visit.pk])
    assert client.post(leave).status_code == 302
    visit.refresh_from_db()
    first_exit = visit.left_at
    assert first_exit is not None
    again = client.post(leave, follow=True)
    assert any("already" in str(m) or "已" in str(m) for m in again.context["messages"])
    visit.refresh_from_db()
    assert visit.left_at == first_exit
    page = client.get(url)
    assert list(page.context["inside"]) == [] and len(page.context["left_today"]) == 1


def test_missing_fields_are_explained_and_nothing_is_logged(grid, gate, client_for):
    response = client_for(grid.users["guard"]).post(reverse("duties:visits"), {"visitor": "X"})
    assert response.status_code == 200
    assert {"phone", "purpose", "host", "health_check"} <= set(response.context["form"].errors)
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("guard", 200),
        ("office", 404),
        ("principal", 200),
        ("teacher", 404),
        ("villager", 404),
        ("outsider", 200),
    ],
)
def test_the_register_is_for_the_gates_people(grid, gate, client_for, persona, status):
    response = client_for(grid.users[persona]).get(reverse("duties:visits"))
    assert response.status_code == status
    if status == 200 and persona != "outsider":
        assert response.context["cell"] == gate


def test_another_schools_visit_is_out_of_reach(grid, gate, client_for):
    from duties.services import visit_enter

    south = visit_enter(cell=grid.cells["south_class"], actor=grid.users["outsider"], **VISITOR)
    client = client_for(grid.users["guard"])
    assert client.post(reverse("duties:visit_leave", args=[south.pk])).status_code == 404
    south.refresh_from_db()
    assert south.left_at is None


def test_home_offers_the_register_to_the_guard_only(grid, gate, client_for):
    assert client_for(grid.users["guard"]).get(reverse("home")).context["keeps_gate"]
    assert not client_for(grid.users["teacher"]).get(reverse("home")).context["keeps_gate"]
