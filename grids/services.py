"""Writes to the grid. Each runs in one transaction under a lock on the school's row,
so the tree and the assignment rules are only ever changed by one writer at a time.
"""

import datetime
import json
from pathlib import Path

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import ADMINISTER, MANAGE, ON_DUTY
from .models import (
    Assignment,
    Carve,
    GridCell,
    GridCellUserObjectPermission,
    Person,
    PersonKind,
    Role,
    RoleKind,
    School,
    Scope,
    access_changed,
)

DEFAULT_ROLES_FILE = Path(__file__).parent / "data" / "default_roles.json"

OTHER_SCHOOL = _("The cell, the person and the role must belong to the same school.")
ROLE_DOES_NOT_FIT = _("This role does not belong in this cell.")
OUTSIDE_PERSON_ROLE = _("An outside grid member can only hold an outside role.")
ALREADY_HELD = _("%(person)s already holds this role in this cell.")
SLOT_TAKEN = _("%(person)s already holds this post from %(date)s; end that assignment first.")
ONE_PERSON_CELL = _("A level-4 inside cell takes exactly one person; %(person)s is assigned.")
HAS_CHILDREN = _("Move or delete the cells below this one first.")
ALREADY_ENDED = _("This assignment has already ended.")
END_BEFORE_START = _("An assignment cannot end before it starts (%(date)s).")


def _lock_school(school: School) -> School:
    return School.objects.select_for_update().get(pk=school.pk)


# Cells ---------------------------------------------------------------------------------


@transaction.atomic
def cell_create(
    *,
    school: School,
    parent: GridCell | None,
    code: str,
    name: str,
    scope: str = Scope.INSIDE,
    carve: str = Carve.SPACE,
    description: str = "",
    spot: str = "",
    duties: str = "",
    roster_kind: str = "",
) -> GridCell:
    cell = GridCell(
        school=school,
        parent=parent,
        code=code,
        name=name,
        scope=scope,
        carve=carve,
        description=description,
        spot=spot,
        duties=duties,
        roster_kind=roster_kind,
    )
    return cell_save(cell)


@transaction.atomic
def cell_save(cell: GridCell) -> GridCell:
    """Create, edit or move a cell under the school's lock, after the tree's rules."""
    _lock_school(cell.school)
    if cell.parent is not None:
        cell.parent.refresh_from_db()  # its tree fields may have moved since it was read
    cell.full_clean(exclude=["lft", "rght", "tree_id", "depth"])  # rules: GridCell.clean
    cell.save()
    return cell


@transaction.atomic
def cell_delete(cell: GridCell) -> None:
    """Delete a cell that never had anyone (history is protected) and has no cells below."""
    _lock_school(cell.school)
    cell.refresh_from_db()
    if not cell.is_leaf_node():
        raise ValidationError(HAS_CHILDREN)
    cell.delete()


# Roles ---------------------------------------------------------------------------------


def roles_seed_defaults(school: School) -> list[Role]:
    """Give a school the default roles from the data file; existing codes are kept as they are."""
    entries = json.loads(DEFAULT_ROLES_FILE.read_text(encoding="utf-8"))
    roles = []
    for order, entry in enumerate(entries):
        role, _created = Role.objects.get_or_create(
            school=school,
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "kind": entry["kind"],
                "manages_cell": entry["manages_cell"],
                "sort_order": order,
            },
        )
        roles.append(role)
    return roles


# Assignments ---------------------------------------------------------------------------


def _open_on(day: datetime.date) -> Q:
    """Assignments still running on or after `day`."""
    return Q(valid_to__isnull=True) | Q(valid_to__gt=day)


def _conflicting(cell: GridCell, role: Role, day: datetime.date):
    """Assignments from `day` on that the new holder of `role` in `cell` would collide with."""
    running = Assignment.objects.filter(_open_on(day), cell=cell).select_related("person", "role")
    if cell.is_smallest and not cell.is_outside:
        return running  # one person per cell: anyone collides
    if role.manages_cell:
        return running.filter(role__manages_cell=True)
    if role.kind == RoleKind.OUTSIDE:
        return running.filter(role=role)
    return running.none()


def _check_assignable(*, cell: GridCell, person: Person, role: Role) -> None:
    if not (cell.school_id == person.school_id == role.school_id):
        raise ValidationError(OTHER_SCHOOL)
    if not role.fits(cell):
        raise ValidationError(ROLE_DOES_NOT_FIT)
    if person.kind == PersonKind.OUTSIDE and role.kind != RoleKind.OUTSIDE:
        raise ValidationError(OUTSIDE_PERSON_ROLE)


@transaction.atomic
def assignment_start(
    *,
    cell: GridCell,
    person: Person,
    role: Role,
    valid_from: datetime.date | None = None,
    note: str = "",
    actor=None,
) -> Assignment:
    """Put a person in a cell in a role from a day on, refusing what breaks the grid's rules."""
    _lock_school(cell.school)
    valid_from = valid_from or timezone.localdate()
    _check_assignable(cell=cell, person=person, role=role)
    if Assignment.objects.filter(
        _open_on(valid_from), cell=cell, person=person, role=role
    ).exists():
        raise ValidationError(ALREADY_HELD % {"person": person.name})
    clash = _conflicting(cell, role, valid_from).first()
    if clash is not None:
        if cell.is_smallest and not cell.is_outside:
            raise ValidationError(ONE_PERSON_CELL % {"person": clash.person.name})
        raise ValidationError(
            SLOT_TAKEN % {"person": clash.person.name, "date": clash.valid_from.isoformat()}
        )
    assignment = Assignment.objects.create(
        cell=cell, person=person, role=role, valid_from=valid_from, note=note, created_by=actor
    )
    cell_permissions_sync(cell.school)
    return assignment


@transaction.atomic
def assignment_end(
    *, assignment: Assignment, on: datetime.date | None = None, note: str = "", actor=None
) -> Assignment:
    """End an assignment on a day (the day it no longer holds). The row is kept."""
    _lock_school(assignment.cell.school)
    on = on or timezone.localdate()
    assignment = Assignment.objects.select_related("cell__school").get(pk=assignment.pk)
    if assignment.valid_to is not None and assignment.valid_to <= on:
        raise ValidationError(ALREADY_ENDED)
    if on < assignment.valid_from:
        raise ValidationError(END_BEFORE_START % {"date": assignment.valid_from.isoformat()})
    assignment.valid_to = on
    assignment.ended_by = actor
    assignment.end_note = note
    assignment.save(update_fields=["valid_to", "ended_by", "end_note"])
    cell_permissions_sync(assignment.cell.school)
    return assignment


@transaction.atomic
def assignment_replace(
    *,
    cell: GridCell,
    role: Role,
    person: Person,
    on: datetime.date | None = None,
    note: str = "",
    actor=None,
) -> Assignment:
    """Hand a post to a new person after a personnel change.

    Steps: lock the school; check the new holder fits; end each running assignment the new
    one would collide with; start the new one. All or nothing.
    """
    _lock_school(cell.school)
    on = on or timezone.localdate()
    _check_assignable(cell=cell, person=person, role=role)
    for previous in _conflicting(cell, role, on):
        if previous.person_id == person.pk and previous.role_id == role.pk:
            raise ValidationError(ALREADY_HELD % {"person": person.name})
        assignment_end(assignment=previous, on=on, note=note, actor=actor)
    return assignment_start(
        cell=cell, person=person, role=role, valid_from=on, note=note, actor=actor
    )


# Rights --------------------------------------------------------------------------------


def _permission(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="grids", codename=codename)


@transaction.atomic
def cell_permissions_sync(school: School, on: datetime.date | None = None) -> tuple[int, int]:
    """Make `manage_cell` rights match today's managing assignments in the school.

    Runs inside every assignment change and hourly from beat (assignments that start or end
    on a later date). Returns (granted, withdrawn).
    """
    wanted = set(
        Assignment.objects.current(on)
        .filter(cell__school=school, role__manages_cell=True, person__user__isnull=False)
        .values_list("person__user_id", "cell_id")
    )
    return _rights_match(school, MANAGE, wanted)


@transaction.atomic
def on_duty_rights_set(school: School, holders: set[tuple[int, int]]) -> tuple[int, int]:
    """Make `on_duty` rights in the school exactly `holders` ({(user id, cell id)}).

    The roster (duties) says who is on duty in a time-bound cell today; this right lets them
    see and act on that cell like its manager for the day. Returns (granted, withdrawn).
    """
    return _rights_match(school, ON_DUTY, holders)


def _rights_match(school: School, codename: str, wanted: set[tuple[int, int]]):
    permission = _permission(codename)
    rows = GridCellUserObjectPermission.objects.filter(
        permission=permission, content_object__school=school
    )
    existing = {(row.user_id, row.content_object_id): row.pk for row in rows}
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        GridCellUserObjectPermission.objects.filter(pk__in=stale).delete()
    missing = [
        GridCellUserObjectPermission(
            user_id=user_id, content_object_id=cell_id, permission=permission
        )
        for user_id, cell_id in wanted
        if (user_id, cell_id) not in existing
    ]
    GridCellUserObjectPermission.objects.bulk_create(missing)
    if missing:
        access_changed()  # bulk_create sends no signals (the deletes above do)
    return len(missing), len(stale)


def school_admin_grant(*, user, school: School) -> None:
    """Make `user` an admin of the school's grid (`administer_grid` on its level-1 cell)."""
    root = GridCell.objects.get(school=school, parent=None)
    GridCellUserObjectPermission.objects.get_or_create(
        user=user, content_object=root, permission=_permission(ADMINISTER)
    )


def school_admin_revoke(*, user, school: School) -> None:
    GridCellUserObjectPermission.objects.filter(
        user=user, content_object__school=school, permission=_permission(ADMINISTER)
    ).delete()
