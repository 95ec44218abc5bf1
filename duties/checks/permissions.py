"""Who fills and who sees a check, built on `grids.access`.

- A person holding any post in the cell today fills its checks.
- The managers above (whoever covers the cell) see them, and do not fill them.
- Anything else is a 404, the same as a missing check.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from grids import access

from .models import CheckRun


def fillable_runs(user, on=None) -> QuerySet[CheckRun]:
    return CheckRun.objects.filter(cell__in=access.assigned_cells(user, on).values("pk"))


def visible_runs(user) -> QuerySet[CheckRun]:
    return CheckRun.objects.filter(
        Q(cell__in=access.assigned_cells(user).values("pk")) | access.cell_filter(user, "cell")
    )


def can_fill(user, run: CheckRun) -> bool:
    return fillable_runs(user).filter(pk=run.pk).exists()


def get_visible_run_or_404(user, pk) -> CheckRun:
    return get_object_or_404(
        visible_runs(user).select_related("template__duty", "cell", "done_by"), pk=pk
    )
