"""Who sees and does what with hazards, built on the grid's `grids.access`.

- The reporter sees their own reports.
- The assignee sees and rectifies what is assigned to them.
- A cell manager sees and acts on everything in their subtree (the level-1 manager: the
  whole school).
- Nobody sees another school's hazards: every right above is a cell of the user's school.
"""

from django.db.models import Q, QuerySet

from grids import access
from grids.models import GridCell

from .models import TRANSITIONS, Action, Hazard


def visible_hazards(user) -> QuerySet[Hazard]:
    if not _active(user):
        return Hazard.objects.none()
    return Hazard.objects.filter(
        access.cell_filter(user, "cell") | Q(reporter=user) | Q(assignee__user=user)
    )


def can_view(user, hazard: Hazard) -> bool:
    """Whether `hazard` is among `visible_hazards(user)`, tested on the hazard as read (with
    its cell and assignee): as its reporter or assignee without a query, else by the cells
    the user covers (`access.reach`, one small query of their rights)."""
    if not _active(user):
        return False
    if hazard.reporter_id == user.pk:
        return True
    if hazard.assignee_id is not None and hazard.assignee.user_id == user.pk:
        return True
    return access.reach(user).covers(hazard.cell)


def get_visible_hazard_or_404(user, pk) -> Hazard:
    """A hazard the user may see; one out of reach is a 404, the same as a missing one."""
    return access.get_in_reach_or_404(
        visible_hazards(user).select_related(
            "cell", "school", "category", "assignee", "reporter", "rectified_by"
        ),
        pk=pk,
    )


def reportable_cells(user) -> QuerySet[GridCell]:
    """Anyone on a school's grid may report in any of its cells."""
    person = access.person_of(user)
    if person is None:
        return GridCell.objects.none()
    return GridCell.objects.filter(school_id=person.school_id).order_by("tree_id", "lft")


def can_manage(user, hazard: Hazard) -> bool:
    return access.covers(user, hazard.cell)


def is_assignee(user, hazard: Hazard) -> bool:
    return hazard.assignee_id is not None and hazard.assignee.user_id == user.pk


MANAGER_ACTIONS = (
    Action.ACCEPT,
    Action.DECLINE,
    Action.VERIFY,
    Action.REJECT,
    Action.REASSIGN,
    Action.DEADLINE,
)


def _state_allows(action: str, user, hazard: Hazard) -> bool:
    """The transition table's answer, plus the two-person sign-off: whoever submitted the
    rectification cannot verify it (nor send it back)."""
    allowed_from, _target = TRANSITIONS.get(action, (frozenset(), None))
    if hazard.status not in allowed_from:
        return False
    if action in (Action.VERIFY, Action.REJECT):
        return hazard.rectified_by_id != user.pk
    return True


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can(action: str, user, hazard: Hazard) -> bool:
    """Whether `user` may take `action` on `hazard` as it stands (state and person)."""
    if not _active(user) or not _state_allows(action, user, hazard):
        return False
    if action == Action.SUBMIT:
        return is_assignee(user, hazard)
    return action in MANAGER_ACTIONS and can_manage(user, hazard)


def allowed_actions(user, hazard: Hazard) -> set[str]:
    """The actions to offer on the hazard page, with at most one subtree query."""
    if not _active(user):
        return set()
    offered = {a for a in MANAGER_ACTIONS if _state_allows(a, user, hazard)}
    if offered and not can_manage(user, hazard):
        offered = set()
    if _state_allows(Action.SUBMIT, user, hazard) and is_assignee(user, hazard):
        offered.add(Action.SUBMIT)
    return offered


def can_print_signs(user, cell: GridCell) -> bool:
    """Those who manage a cell, and the school admin, print its sign."""
    return access.covers(user, cell) or access.is_school_admin(user, cell.school_id)
