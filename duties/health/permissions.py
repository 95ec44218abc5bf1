"""Who fills and who sees a class's health check, built on `grids.access`."""

from django.db.models import F, QuerySet

from grids import access
from grids.models import GridCell

from ..models import CellPost

CLASS_POST = "class-teacher"


def class_cells() -> QuerySet[GridCell]:
    """Cells that carry the class teacher's post: the classes."""
    return GridCell.objects.filter(cell_posts__post__code=CLASS_POST).distinct()


def fillable_classes(user) -> QuerySet[GridCell]:
    """Classes where the user holds a post today: the ones they record checks for."""
    return (
        class_cells()
        .filter(pk__in=access.assigned_cells(user).values("pk"))
        .order_by("tree_id", "lft")
    )


def overseen_classes(user) -> QuerySet[GridCell]:
    """Classes in the subtree of the cells the user manages."""
    return (
        class_cells()
        .filter(pk__in=access.covered_cells(user).values("pk"))
        .order_by("tree_id", "lft")
    )


def overseen_class_ids(user) -> QuerySet:
    """The ids of `overseen_classes(user)` as a subquery (column `cell_id`): the classes'
    posts in the cells the user covers, without reading a row per class."""
    return (
        # The post of the cell's own school: on a county's tables the planner then reads the
        # one class post of each school, not every school's classes.
        CellPost.objects.filter(post__code=CLASS_POST, post__school=F("cell__school"))
        .filter(access.reach(user).filter("cell", "cell__school"))
        .values("cell_id")
    )
