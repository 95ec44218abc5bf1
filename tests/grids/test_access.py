"""The access matrix: persona x action x cell inside/outside their subtree and school."""

import pytest
from django.urls import reverse

from grids import access
from grids.models import GridCell

NORTH = {"root", "teaching", "class1", "class2", "canteen", "gate", "road"}
SOUTH = {"south_root", "south_class"}
ALL = NORTH | SOUTH

# Cells each persona manages (its subtree): the right to act on what happens there.
COVERS = {
    "principal": NORTH,
    "manager": {"teaching", "class1", "class2"},
    "office": {"canteen"},
    "teacher": {"class1", "road"},  # the class, and the outside cell they are liaison for
    "guard": {"gate"},
    "villager": set(),
    "admin": set(),
    "outsider": SOUTH,
}
# Cells each persona may open: what they cover, where they hold a post, and for a
# school admin the whole school.
VIEWS = {
    **COVERS,
    "villager": {"road"},
    "admin": NORTH,
}
# Changing people is for the school admin only.
ADMINISTERS = {persona: set() for persona in COVERS} | {"admin": NORTH, "outsider": SOUTH}

MATRIX = [(persona, cell) for persona in COVERS for cell in sorted(ALL)]


@pytest.mark.parametrize(("persona", "cell"), MATRIX)
def test_covers_follows_the_subtree(grid, persona, cell):
    user = grid.users[persona]
    expected = cell in COVERS[persona]
    assert access.covers(user, grid.cells[cell]) is expected
    assert access.covered_cells(user).filter(pk=grid.cells[cell].pk).exists() is expected


@pytest.mark.parametrize(("persona", "cell"), MATRIX)
def test_cell_page_is_404_outside_reach(grid, client_for, persona, cell):
    response = client_for(grid.users[persona]).get(
        reverse("grids:cell", args=[grid.cells[cell].pk])
    )
    assert response.status_code == (200 if cell in VIEWS[persona] else 404)


@pytest.mark.parametrize(("persona", "cell"), MATRIX)
def test_reassign_page_is_for_the_school_admin(grid, client_for, persona, cell):
    response = client_for(grid.users[persona]).get(
        reverse("grids:reassign", args=[grid.cells[cell].pk])
    )
    assert response.status_code == (200 if cell in ADMINISTERS[persona] else 404)


@pytest.mark.parametrize("persona", sorted(COVERS))
def test_end_assignment_is_for_the_school_admin(grid, client_for, persona):
    assignment = grid.cells["class2"].assignments.get()
    client = client_for(grid.users[persona])
    response = client.post(
        reverse("grids:end_assignment", args=[assignment.pk]),
        {"valid_to": "2026-10-01", "note": "transfer"},
    )
    assignment.refresh_from_db()
    if persona == "admin":
        assert response.status_code == 302
        assert assignment.valid_to is not None
    else:
        assert response.status_code == 404
        assert assignment.valid_to is None


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("principal", 200),
        ("admin", 200),
        ("outsider", 200),
        ("manager", 404),
        ("office", 404),
        ("teacher", 404),
        ("guard", 404),
        ("villager", 404),
    ],
)
def test_coverage_page_is_for_admins_and_the_leader(grid, client_for, persona, status):
    response = client_for(grid.users[persona]).get(reverse("grids:coverage"))
    assert response.status_code == status


def test_coverage_page_shows_only_the_viewers_school(grid, client_for):
    grid.cells["south_class"].assignments.update(valid_to="2026-10-01")
    north = client_for(grid.users["admin"]).get(reverse("grids:coverage"))
    assert "South_Class" not in north.content.decode()
    south = client_for(grid.users["outsider"]).get(reverse("grids:coverage"))
    assert "South_Class" in south.content.decode()


@pytest.mark.parametrize("persona", sorted(COVERS))
def test_tree_lists_exactly_the_visible_cells(grid, client_for, persona):
    response = client_for(grid.users[persona]).get(reverse("grids:tree"))
    shown = {code for code in ALL if f'data-cell="{grid.cells[code].code}"' in response.text}
    assert shown == VIEWS[persona]


def test_school_leader_and_admin(grid):
    assert access.is_school_leader(grid.users["principal"], grid.school)
    assert not access.is_school_leader(grid.users["manager"], grid.school)
    assert not access.is_school_leader(grid.users["outsider"], grid.school)
    assert access.is_school_admin(grid.users["admin"], grid.school)
    assert not access.is_school_admin(grid.users["principal"], grid.school)
    assert not access.is_school_admin(grid.users["outsider"], grid.school)
    assert list(access.administered_schools(grid.users["outsider"])) == [grid.other_school]


def test_cell_filter_scopes_rows_of_other_models(grid):
    """Later apps filter their rows by cell with `cell_filter`; assignments stand in here."""
    from grids.models import Assignment

    rows = Assignment.objects.filter(access.cell_filter(grid.users["manager"], "cell"))
    assert {a.cell.code for a in rows} == {"teaching", "grade1", "class1", "class2"}
    assert not Assignment.objects.filter(access.cell_filter(grid.users["villager"], "cell"))


def test_inactive_and_anonymous_users_see_nothing(grid):
    from django.contrib.auth.models import AnonymousUser

    principal = grid.users["principal"]
    principal.is_active = False
    assert not access.visible_cells(principal).exists()
    assert not access.covers(principal, grid.cells["root"])
    assert not access.visible_cells(AnonymousUser()).exists()


def test_pages_require_login(client, grid):
    for url in [
        reverse("home"),
        reverse("grids:tree"),
        reverse("grids:cell", args=[grid.cells["root"].pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_rights_follow_a_handover(grid):
    """When a post changes hands, the old holder loses the subtree and the new one gains it."""
    from grids import services

    services.assignment_replace(
        cell=grid.cells["gate"],
        role=grid.role("manager"),
        person=grid.people["cook"].__class__.objects.get(pk=grid.people["teacher2"].pk),
        on=grid.cells["gate"].assignments.get().valid_from.replace(month=11),
        note="guard moved to the canteen",
    )
    assert not access.covers(grid.users["guard"], grid.cells["gate"])
    assert access.covers(grid.users["teacher2"], grid.cells["gate"])


def test_cell_managers_many_agrees_with_cell_managers(grid):
    """The escalation scan resolves every cell's managers at once: the same people as one
    cell at a time, gaps (grade1's head has no login), on-duty first, and other schools."""
    from guardian.shortcuts import assign_perm

    from grids.models import GridCell

    assign_perm("grids.on_duty", grid.users["guard"], grid.cells["teaching"])

    def one_by_one():
        return {cell.pk: sorted(access.cell_managers(cell)) for cell in GridCell.objects.all()}

    many = access.cell_managers_many(GridCell.objects.all())
    assert {pk: sorted(users) for pk, users in many.items()} == one_by_one()
    assert many[grid.cells["teaching"].pk] == [grid.users["guard"].pk]  # on duty comes first
    assert many[grid.cells["grade1"].pk] == [grid.users["guard"].pk]  # the gap goes up to it
    assert access.cell_managers_many(GridCell.objects.filter(pk=grid.cells["road"].pk)) == {
        grid.cells["road"].pk: access.cell_managers(grid.cells["road"])
    }
    assert access.cell_managers_many(GridCell.objects.none()) == {}


@pytest.mark.parametrize("persona", sorted(COVERS))
def test_covered_and_visible_cells_follow_the_matrix(grid, persona):
    # The range join on the rights' tree_id/lft/rght gives each cell once, in its school.
    user = grid.users[persona]
    covered = list(access.covered_cells(user).values_list("pk", flat=True))
    assert len(covered) == len(set(covered))
    assert {code for code in ALL if grid.cells[code].pk in covered} == COVERS[persona]
    visible = set(access.visible_cells(user).values_list("pk", flat=True))
    assert {code for code in ALL if grid.cells[code].pk in visible} == VIEWS[persona]
    managed = set(access.managed_cells(user).values_list("pk", flat=True))
    assert managed <= set(covered)


@pytest.mark.parametrize("persona", sorted(COVERS))
def test_reach_covers_the_same_cells_as_covered_cells(grid, persona):
    """`reach` reads the rights once and finds a whole school by its column: the same cells
    and the same rows as `covered_cells` and `cell_filter`."""
    from grids.models import Assignment

    user = grid.users[persona]
    reach = access.reach(user)
    assert bool(reach) is bool(COVERS[persona])
    assert set(reach.cells()) == set(access.covered_cells(user))
    rows = Assignment.objects.filter(reach.filter("cell", "cell__school"))
    assert set(rows) == set(Assignment.objects.filter(access.cell_filter(user, "cell")))
    every = GridCell.objects.all()
    assert {cell for cell in every if reach.covers(cell)} == set(access.covered_cells(user))


def test_reach_is_read_once_per_user_object(grid, django_assert_num_queries):
    """A request's user reads its rights once, however many panels ask; the next request
    (another user object) reads them again, so a right taken away shows at once."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=grid.users["manager"].pk)
    with django_assert_num_queries(1):
        first = access.reach(user)
        assert access.reach(user) is first
    assert first.subtrees
    access.GridCellUserObjectPermission.objects.filter(user=user).delete()
    assert not access.reach(get_user_model().objects.get(pk=user.pk))


def test_reach_of_a_leader_is_the_school_and_of_a_manager_the_subtree(grid):
    assert access.reach(grid.users["principal"]).schools == {grid.school.pk}
    manager = access.reach(grid.users["manager"])
    assert not manager.schools and len(manager.subtrees) == 1
    assert not access.reach(grid.users["villager"])
