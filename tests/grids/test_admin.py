"""The admin site: a school admin manages their own school and sees nothing of another."""

import pytest
from django.urls import reverse

from grids.models import GridCell, Person


@pytest.fixture
def school_admin(grid):
    user = grid.users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_staff_flag_alone_grants_nothing(grid, client_for):
    user = grid.users["teacher"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = client_for(user)
    assert client.get(reverse("admin:grids_person_changelist")).status_code == 403


def test_school_admin_lists_only_their_school(grid, school_admin, client_for):
    client = client_for(school_admin)
    response = client.get(reverse("admin:grids_person_changelist"))
    assert response.status_code == 200
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == set(Person.objects.filter(school=grid.school).values_list("pk", flat=True))
    assert "South Primary" not in response.content.decode()


@pytest.mark.parametrize("model", ["person", "gridcell", "role", "assignment", "school"])
def test_other_schools_rows_are_out_of_reach(grid, school_admin, client_for, model):
    other = {
        "person": grid.people["south_teacher"],
        "gridcell": grid.cells["south_class"],
        "role": grid.other_school.roles.first(),
        "assignment": grid.cells["south_class"].assignments.first(),
        "school": grid.other_school,
    }[model]
    client = client_for(school_admin)
    response = client.get(reverse(f"admin:grids_{model}_change", args=[other.pk]))
    # The admin answers a row outside the queryset with a redirect to its index.
    assert response.status_code == 302


def test_school_admin_adds_a_person_to_their_school_only(grid, school_admin, client_for):
    client = client_for(school_admin)
    response = client.get(reverse("admin:grids_person_add"))
    choices = list(response.context["adminform"].form.fields["school"].queryset)
    assert choices == [grid.school]
    response = client.post(
        reverse("admin:grids_person_add"),
        {"school": grid.other_school.pk, "name": "Intruder", "kind": "staff"},
    )
    assert response.status_code == 200  # refused: not a valid choice
    assert not Person.objects.filter(name="Intruder").exists()
    response = client.post(
        reverse("admin:grids_person_add"),
        {"school": grid.school.pk, "name": "New Teacher", "kind": "staff"},
    )
    assert response.status_code == 302
    assert Person.objects.get(name="New Teacher").school == grid.school


def test_cell_edits_keep_the_tree_rules(grid, school_admin, client_for):
    client = client_for(school_admin)
    response = client.post(
        reverse("admin:grids_gridcell_add"),
        {
            "school": grid.school.pk,
            "parent": grid.cells["class1"].pk,
            "code": "desk",
            "name": "Desk",
            "scope": "inside",
            "carve": "space",
        },
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert not GridCell.objects.filter(code="desk").exists()

    response = client.post(
        reverse("admin:grids_gridcell_add"),
        {
            "school": grid.school.pk,
            "parent": grid.cells["grade1"].pk,
            "code": "class3",
            "name": "Class3",
            "scope": "inside",
            "carve": "space",
        },
    )
    assert response.status_code == 302
    assert GridCell.objects.get(code="class3").level == 4


def test_object_permissions_are_for_the_platform_operator(grid, school_admin, client_for):
    client = client_for(school_admin)
    url = reverse("admin:grids_gridcell_permissions", args=[grid.cells["root"].pk])
    assert client.get(url).status_code == 403


def test_assignments_are_read_only_history(grid, school_admin, client_for):
    client = client_for(school_admin)
    assignment = grid.cells["class1"].assignments.get()
    assert client.get(reverse("admin:grids_assignment_add")).status_code == 403
    response = client.post(
        reverse("admin:grids_assignment_change", args=[assignment.pk]),
        {"valid_to": "2026-10-01"},
    )
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.valid_to is None


# Education bureaus span schools: the platform operator's alone.


@pytest.mark.parametrize("model", ["bureau", "bureaumember"])
def test_a_school_admin_cannot_reach_the_bureaus(grid, school_admin, client_for, model):
    from grids.models import Bureau

    Bureau.objects.create(name="County", code="county")
    client = client_for(school_admin)
    assert client.get(reverse(f"admin:grids_{model}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:grids_{model}_add")).status_code == 403
    assert "grids/bureau/" not in client.get(reverse("admin:index")).content.decode()


def test_a_school_admin_cannot_move_their_school_to_a_bureau(grid, school_admin, client_for):
    from grids.models import Bureau

    county = Bureau.objects.create(name="County", code="county")
    client = client_for(school_admin)
    url = reverse("admin:grids_school_change", args=[grid.school.pk])
    form = client.get(url).context["adminform"].form
    assert "bureau" not in form.fields
    client.post(url, {"name": "North Primary", "address": "", "bureau": county.pk})
    grid.school.refresh_from_db()
    assert grid.school.bureau is None


def test_a_superuser_manages_bureaus_and_their_staff(grid, client_for):
    from django.contrib.auth import get_user_model

    from grids.models import Bureau, BureauMember

    root = get_user_model().objects.create_superuser("root", password="x")
    client = client_for(root)
    response = client.post(
        reverse("admin:grids_bureau_add"),
        {
            "name": "County",
            "code": "county",
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-0-user": grid.users["teacher"].pk,
            "members-0-title": "Officer",
            "members-0-valid_from": "2026-09-01",
        },
    )
    assert response.status_code == 302
    county = Bureau.objects.get(code="county")
    assert BureauMember.objects.get(bureau=county).user == grid.users["teacher"]
    url = reverse("admin:grids_school_change", args=[grid.school.pk])
    response = client.post(url, {"name": "North Primary", "code": "north", "bureau": county.pk})
    assert response.status_code == 302
    grid.school.refresh_from_db()
    assert grid.school.bureau == county
    assert client.get(reverse("admin:grids_bureau_changelist")).status_code == 200
