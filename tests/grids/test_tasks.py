"""Beat's tasks on a real Celery worker: Redis in CI, the filesystem broker on a laptop."""

import pytest

from grids import access
from grids.models import GridCellUserObjectPermission
from grids.tasks import sync_all_cell_permissions

from ..conftest import build_grid, wait_for


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_permission_sync_runs_on_a_worker(live_worker):
    grid = build_grid()
    teacher, class1 = grid.users["teacher"], grid.cells["class1"]
    # A right gone missing (as when an assignment's start date arrives) ...
    GridCellUserObjectPermission.objects.filter(user=teacher).delete()
    assert not access.covers(teacher, class1)

    with live_worker():
        sync_all_cell_permissions.delay()
        # ... is granted by the task the worker took from the broker.
        assert wait_for(lambda: access.covers(teacher, class1))
