"""Who keeps a gate's visitor register, built on `grids.access`."""

from django.db.models import QuerySet

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
