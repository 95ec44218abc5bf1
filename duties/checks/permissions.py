"""Who fills and who sees a check, built on `grids.access`.

- A person holding any post in the cell today fills its checks.
- The managers above (whoever covers the cell) see them, and do not fill them.
- Anything else is a 404, the same as a missing check.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from grids import access

from .models import CheckRun


def fillable_runs(user, on=None) -> QuerySet[CheckRun]:
    return CheckRun.objects.filter(cell__in=access.assigned_cell_ids(user, on))


def managed_runs(user) -> QuerySet[CheckRun]:
    """Checks in the cells the user covers. The covered cells are looked for in the user's
    own school only, so a county's other schools' cells are never scanned."""
    person = access.person_of(user)
    if person is None:
        return CheckRun.objects.none()
    covered = access.covered_cells(user).filter(school_id=person.school_id)
    return CheckRun.objects.filter(cell__in=covered.values("pk"))


def visible_runs(user) -> QuerySet[CheckRun]:
    return fillable_runs(user) | managed_runs(user)


def can_fill(user, run: CheckRun) -> bool:
    return fillable_runs(user).filter(pk=run.pk).exists()


def get_visible_run_or_404(user, pk) -> CheckRun:
    return get_object_or_404(
        visible_runs(user).select_related("template__duty", "cell", "done_by"), pk=pk
    )
