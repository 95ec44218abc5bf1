"""Who keeps a gate's visitor register, built on `grids.access`."""

from django.db.models import Q, QuerySet

from grids import access
from grids.models import GridCell

GATE_POST = "security-guard"


def gate_cells(user) -> QuerySet[GridCell]:
    """Cells with the guard's post that the user holds a post in or manages."""
    return (
        (access.assigned_cells(user) | access.covered_cells(user))
        .filter(cell_posts__post__code=GATE_POST)
        .distinct()
        .order_by("tree_id", "lft")
    )


def plannable_cells(user) -> QuerySet[GridCell]:
    """Time-bound cells whose roster the user plans: the school admin's, and those under a
    cell the user holds a managing post in (being on duty there does not count)."""
    return (
        GridCell.objects.filter(roster_kind__gt="")
        .filter(
            Q(pk__in=access.managed_cells(user).values("pk"))
            | Q(school__in=access.administered_schools(user))
        )
        .select_related("school")
        .order_by("tree_id", "lft")
    )
