"""The navigation offers each page to exactly the people its view lets in, from one query."""

import pytest
from django.urls import reverse

from grids import access
from grids.permissions import can_view_coverage

PERSONAS = ("admin", "principal", "manager", "teacher", "guard", "outsider")


@pytest.mark.parametrize("persona", PERSONAS)
def test_links_follow_the_access_rules(grid, client_for, persona):
    user = grid.users[persona]
    person = access.person_of(user)
    html = client_for(user).get(reverse("home")).content.decode()
    expected = {
        reverse("grids:coverage"): can_view_coverage(user, person.school),
        reverse("audit:events"): access.is_school_admin(user, person.school),
        reverse("reports:exports"): (
            access.covered_cells(user).exists() or access.administered_schools(user).exists()
        ),
    }
    assert {url: f'href="{url}"' in html for url in expected} == expected


def test_the_rules_tell_the_personas_apart(grid):
    # Guards against a matrix where every persona sees the same thing.
    seen = {
        persona: (
            can_view_coverage(grid.users[persona], grid.school),
            access.is_school_admin(grid.users[persona], grid.school),
        )
        for persona in PERSONAS
    }
    assert seen["admin"] == (True, True)
    assert seen["principal"] == (True, False)
    assert seen["teacher"] == (False, False)


def test_the_base_page_reads_the_navigation_once(grid, client_for, django_assert_max_num_queries):
    client = client_for(grid.users["admin"])
    with django_assert_max_num_queries(6):  # session, user, person, navigation, inbox count
        client.get(reverse("hazards:inbox"))
