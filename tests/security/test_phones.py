"""Phone numbers in full only for those who manage the person's cell or above (and the
school admin); masked for everyone else, wherever they are shown."""

from django.urls import reverse

from grids.access import mask_phone
from hazards import workflow

from ..hazards.helpers import accept


def test_the_mask_keeps_the_first_three_and_last_four():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("12345") == "*****"


def cell_page(client, grid, cell):
    return client.get(reverse("grids:cell", args=[grid.cells[cell].pk])).content.decode()


def test_people_on_a_cell_page(grid, client_for):
    villager = grid.people["villager"].phone
    for persona in ["principal", "admin", "teacher"]:  # teacher is the road's liaison
        page = cell_page(client_for(grid.users[persona]), grid, "road")
        assert f'href="tel:{villager}"' in page, persona
    page = cell_page(client_for(grid.users["villager"]), grid, "road")
    assert villager not in page
    assert mask_phone(villager) in page
    assert grid.people["teacher"].phone not in page


def test_an_anonymous_reporters_phone_on_the_hazard_page(grid, client_for):
    road = grid.cells["road"]
    grid.school.hazard_settings.allow_anonymous_reports = True
    grid.school.hazard_settings.save()
    hazard = workflow.hazard_report_anonymous(
        cell=road,
        category=grid.school.hazard_categories.get(code="fire"),
        severity="general",
        description="Broken fence",
        spot="by the bridge",
        photos=[],
        contact_phone="13900001234",
        ip="10.0.0.5",
    )
    accept(grid, hazard, assignee="villager")
    url = reverse("hazards:detail", args=[hazard.pk])
    manager_view = client_for(grid.users["principal"]).get(url).content.decode()
    assert 'href="tel:13900001234"' in manager_view
    assignee_view = client_for(grid.users["villager"]).get(url).content.decode()
    assert "13900001234" not in assignee_view
    assert "139****1234" in assignee_view


def test_printed_signs_carry_full_numbers_for_those_who_may_print_them(grid, client_for):
    page = client_for(grid.users["principal"]).get(
        reverse("hazards:signs", args=[grid.cells["road"].pk])
    )
    assert grid.people["villager"].phone in page.content.decode()
