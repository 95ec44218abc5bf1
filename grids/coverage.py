"""The coverage check ("horizontal to every edge"): every rule of the grid, over a school.

A few queries whatever the size of the grid: cells, current assignments, outside roles.
Used by the admins' coverage page, the grid tree (gaps highlighted) and the
`grid_coverage` command. Apps that own other rules add a check with `register_check`
(duties: "no one on duty" in a time-bound cell over the coming days).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from .models import MAX_LEVEL, Assignment, GridCell, Role, RoleKind, School

NO_PERSON = _("Nobody is assigned to this cell.")
NO_MANAGER = _("The cell has no manager.")
TOO_DEEP = _("The cell lies below level 4.")
SCOPE_MISMATCH = _("An outside cell cannot contain inside cells.")
ROOT_OUTSIDE = _("The level-1 cell must be inside the school.")


@dataclass(frozen=True)
class Problem:
    cell: GridCell
    code: str
    message: str

    @property
    def is_gap(self) -> bool:
        """A cell without anyone: the first gap to close."""
        return self.code == "no_person"


@dataclass(frozen=True, slots=True)
class Holder:
    """Someone holding a role in a cell today, as the rules and the grid tree read it: plain
    values from one query (a school has thousands of them, so no model instance each)."""

    person_id: int
    person_name: str
    role: Role


def current_holders_by_cell(
    cells_qs, roles: dict[int, Role], on: date | None = None
) -> dict[int, list[Holder]]:
    """Who holds each of the given cells on a day, grouped by cell id (one query); `roles`
    are the cells' schools' roles by id."""
    grouped = defaultdict(list)
    rows = (
        Assignment.objects.current(on)
        .filter(cell__in=cells_qs)
        .order_by("role__sort_order", "person__name")
        .values_list("cell_id", "person_id", "person__name", "role_id")
    )
    for cell_id, person_id, person_name, role_id in rows:
        grouped[cell_id].append(Holder(person_id, person_name, roles[role_id]))
    return grouped


def check_cells(cells, holders_by_cell, outside_roles) -> list[Problem]:
    """Check cells (with their parents loaded or absent) against the grid's rules."""
    problems = []
    for cell in cells:
        held = holders_by_cell.get(cell.pk, [])
        problems.extend(_check_cell(cell, held, outside_roles))
    return problems


def _check_cell(cell: GridCell, held: list[Holder], outside_roles: list[Role]):
    def problem(code, message):
        return Problem(cell=cell, code=code, message=str(message))

    if cell.level > MAX_LEVEL:
        yield problem("too_deep", TOO_DEEP)
    if cell.parent_id is None and cell.is_outside:
        yield problem("root_outside", ROOT_OUTSIDE)
    parent = cell.parent if cell.parent_id and GridCell.parent.is_cached(cell) else None
    if parent is not None and parent.is_outside and not cell.is_outside:
        yield problem("scope_mismatch", SCOPE_MISMATCH)

    if not held:
        yield problem("no_person", NO_PERSON)
        return

    for assignment in held:
        if not assignment.role.fits(cell):
            yield problem(
                "role_misplaced",
                _("%(person)s holds the role %(role)s, which does not belong in this cell.")
                % {"person": assignment.person_name, "role": assignment.role.name},
            )

    managers = [a for a in held if a.role.manages_cell]
    if not managers:
        yield problem("no_manager", NO_MANAGER)
    elif len(managers) > 1:
        yield problem(
            "many_managers",
            _("The cell has %(count)d managers: %(names)s.")
            % {"count": len(managers), "names": ", ".join(a.person_name for a in managers)},
        )

    if cell.is_smallest and not cell.is_outside and len(held) != 1:
        yield problem(
            "not_one_member",
            _("A level-4 inside cell takes exactly one person; it has %(count)d.")
            % {"count": len(held)},
        )

    if cell.is_smallest and cell.is_outside:
        for role in outside_roles:
            count = sum(1 for a in held if a.role.pk == role.pk)
            if count == 0:
                yield problem(
                    "outside_role_missing",
                    _("No one holds the role %(role)s in this cell.") % {"role": role.name},
                )
            elif count > 1:
                yield problem(
                    "outside_role_repeated",
                    _("%(count)d people hold the role %(role)s; it takes one in this cell.")
                    % {"count": count, "role": role.name},
                )


def current_assignments_by_cell(cells_qs, on: date | None = None) -> dict[int, list]:
    """Current assignments of the given cells, grouped by cell id (one query)."""
    grouped = defaultdict(list)
    assignments = (
        Assignment.objects.current(on)
        .filter(cell__in=cells_qs)
        .select_related("person", "role")
        .order_by("role__sort_order", "person__name")
    )
    for assignment in assignments:
        grouped[assignment.cell_id].append(assignment)
    return grouped


ExtraCheck = Callable[[School, list[GridCell], date | None], list[Problem]]
_extra_checks: list[ExtraCheck] = []


def register_check(check: ExtraCheck) -> ExtraCheck:
    """Add a school-wide check (called with the school, its cells in tree order and the day);
    idempotent, so an app may register in its `ready()`."""
    if check not in _extra_checks:
        _extra_checks.append(check)
    return check


def grid_problems(school: School, on: date | None = None) -> list[Problem]:
    """Every rule broken and every empty cell in the school's grid, in tree order."""
    cells = list(school.cells.order_by("tree_id", "lft"))
    # Each cell's parent is in the list: attach it rather than load every parent again
    # (a second model instance per cell was half the cost at 2,000 cells).
    by_id = {cell.pk: cell for cell in cells}
    for cell in cells:
        if cell.parent_id in by_id:
            GridCell.parent.field.set_cached_value(cell, by_id[cell.parent_id])
    roles = {role.pk: role for role in school.roles.all()}
    by_cell = current_holders_by_cell(school.cells.all(), roles, on)
    outside_roles = [role for role in roles.values() if role.kind == RoleKind.OUTSIDE]
    problems = check_cells(cells, by_cell, outside_roles)
    for check in _extra_checks:
        problems.extend(check(school, cells, on))
    order = {cell.pk: n for n, cell in enumerate(cells)}
    return sorted(problems, key=lambda problem: order.get(problem.cell.pk, 0))
