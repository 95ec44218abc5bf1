"""The grid's rules, enforced where the grid is written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grids import services
from grids.models import SCOPE_FROM_PARENT, TOO_DEEP, Assignment, GridCell, PersonKind, Scope
from grids.services import OUTSIDE_PERSON_ROLE

from ..conftest import START
from ..factories import PersonFactory

LATER = START + datetime.timedelta(days=60)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_no_cell_below_level_4(grid):
    with pytest.raises(ValidationError) as error:
        services.cell_create(
            school=grid.school, parent=grid.cells["class1"], code="too-deep", name="Desk"
        )
    assert str(TOO_DEEP) in messages(error.value)
    assert not GridCell.objects.filter(code="too-deep").exists()


def test_one_level_1_cell_per_school(grid):
    with pytest.raises(ValidationError):
        services.cell_create(school=grid.school, parent=None, code="root2", name="Another")


def test_outside_branch_stays_outside(grid):
    with pytest.raises(ValidationError) as error:
        services.cell_create(
            school=grid.school, parent=grid.cells["village"], code="x", name="X", scope="inside"
        )
    assert str(SCOPE_FROM_PARENT) in messages(error.value)


def test_parent_from_another_school_is_refused(grid):
    with pytest.raises(ValidationError):
        services.cell_create(school=grid.school, parent=grid.cells["south_l2"], code="x", name="X")


def test_moving_a_subtree_below_level_4_is_refused(grid):
    """A level-2 cell with two levels under it cannot move under a level-3 cell."""
    teaching = grid.cells["teaching"]
    teaching.parent = grid.cells["general"]
    with pytest.raises(ValidationError):
        teaching.full_clean()


def test_level_4_inside_cell_takes_one_person(grid):
    with pytest.raises(ValidationError) as error:
        services.assignment_start(
            cell=grid.cells["class1"],
            person=grid.people["teacher2"],
            role=grid.role("manager"),
            valid_from=LATER,
        )
    assert grid.people["teacher"].name in messages(error.value)
    assert grid.cells["class1"].assignments.count() == 1


def test_member_role_does_not_fit_a_level_4_cell(grid):
    cell = grid.cells["canteen"]
    with pytest.raises(ValidationError):
        services.assignment_start(
            cell=cell, person=grid.people["teacher2"], role=grid.role("member")
        )


def test_one_manager_per_cell(grid):
    with pytest.raises(ValidationError) as error:
        services.assignment_start(
            cell=grid.cells["teaching"],
            person=grid.people["teacher2"],
            role=grid.role("manager"),
            valid_from=LATER,
        )
    assert grid.people["manager"].name in messages(error.value)


def test_members_may_be_many_above_level_4(grid):
    services.assignment_start(
        cell=grid.cells["root"], person=grid.people["teacher2"], role=grid.role("member")
    )
    assert grid.cells["root"].assignments.current().count() == 3


def test_outside_cell_takes_each_outside_role_once(grid):
    other_parent = PersonFactory(school=grid.school, kind=PersonKind.OUTSIDE)
    with pytest.raises(ValidationError):
        services.assignment_start(
            cell=grid.cells["road"], person=other_parent, role=grid.role("parent-volunteer")
        )


def test_outside_roles_only_in_level_4_outside_cells(grid):
    with pytest.raises(ValidationError):
        services.assignment_start(
            cell=grid.cells["village"],
            person=grid.people["villager"],
            role=grid.role("community-worker"),
        )


def test_outside_member_cannot_manage_inside_cells(grid):
    with pytest.raises(ValidationError) as error:
        services.assignment_replace(
            cell=grid.cells["gate"], person=grid.people["villager"], role=grid.role("manager")
        )
    assert str(OUTSIDE_PERSON_ROLE) in messages(error.value)
    assert grid.cells["gate"].assignments.get().person == grid.people["guard"]


def test_people_of_another_school_cannot_be_assigned(grid):
    with pytest.raises(ValidationError):
        services.assignment_start(
            cell=grid.cells["root"],
            person=grid.people["south_teacher"],
            role=grid.role("member"),
        )


def test_replace_ends_the_old_assignment_and_keeps_it(grid):
    cell = grid.cells["class2"]
    new = services.assignment_replace(
        cell=cell,
        role=grid.role("manager"),
        person=grid.people["cook"],
        on=LATER,
        note="personnel change",
    )
    old = Assignment.objects.get(cell=cell, person=grid.people["teacher2"])
    assert old.valid_to == LATER
    assert old.end_note == "personnel change"
    assert new.valid_from == LATER and new.valid_to is None
    assert cell.assignments.count() == 2  # history kept

    def holder(day):
        return Assignment.objects.current(day).get(cell=cell).person

    assert holder(LATER - datetime.timedelta(days=1)) == grid.people["teacher2"]
    assert holder(LATER) == grid.people["cook"]


def test_replace_is_all_or_nothing(grid):
    """If the new holder does not fit, the old assignment is not ended either."""
    cell = grid.cells["gate"]
    with pytest.raises(ValidationError):
        services.assignment_replace(
            cell=cell, role=grid.role("manager"), person=grid.people["villager"], on=LATER
        )
    assert cell.assignments.get().valid_to is None


def test_replacing_with_the_current_holder_is_refused(grid):
    with pytest.raises(ValidationError):
        services.assignment_replace(
            cell=grid.cells["gate"], role=grid.role("manager"), person=grid.people["guard"]
        )


def test_end_keeps_the_row_and_cannot_end_twice(grid):
    assignment = grid.cells["canteen"].assignments.get()
    services.assignment_end(assignment=assignment, on=LATER, note="retired")
    assignment.refresh_from_db()
    assert assignment.valid_to == LATER
    with pytest.raises(ValidationError):
        services.assignment_end(assignment=assignment, on=LATER)


def test_end_before_start_is_refused(grid):
    assignment = grid.cells["canteen"].assignments.get()
    with pytest.raises(ValidationError):
        services.assignment_end(assignment=assignment, on=START - datetime.timedelta(days=1))
    assignment.refresh_from_db()
    assert assignment.valid_to is None


def test_current_is_a_half_open_interval(grid):
    assignment = grid.cells["canteen"].assignments.get()
    services.assignment_end(assignment=assignment, on=LATER)
    assignment.refresh_from_db()
    assert not assignment.is_current(START - datetime.timedelta(days=1))
    assert assignment.is_current(START)
    assert assignment.is_current(LATER - datetime.timedelta(days=1))
    assert not assignment.is_current(LATER)


def test_rights_wait_for_a_future_start(grid):
    """An assignment dated tomorrow grants nothing today; the hourly sync grants it then."""
    from grids import access

    cell = grid.cells["canteen"]
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    services.assignment_replace(
        cell=cell, role=grid.role("manager"), person=grid.people["teacher2"], on=tomorrow
    )
    assert access.covers(grid.users["teacher2"], cell) is False
    granted, withdrawn = services.cell_permissions_sync(grid.school, on=tomorrow)
    assert (granted, withdrawn) == (1, 0)
    assert access.covers(grid.users["teacher2"], cell) is True
    # Running it again changes nothing.
    assert services.cell_permissions_sync(grid.school, on=tomorrow) == (0, 0)


def test_school_admin_grant_and_revoke(grid):
    from grids import access

    user = grid.users["teacher"]
    services.school_admin_grant(user=user, school=grid.school)
    services.school_admin_grant(user=user, school=grid.school)  # twice is harmless
    assert access.is_school_admin(user, grid.school)
    services.school_admin_revoke(user=user, school=grid.school)
    assert not access.is_school_admin(user, grid.school)


def test_root_must_be_inside(db):
    from ..factories import SchoolFactory

    school = SchoolFactory()
    with pytest.raises(ValidationError):
        services.cell_create(school=school, parent=None, code="r", name="R", scope=Scope.OUTSIDE)
