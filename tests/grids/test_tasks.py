"""Beat's tasks on a real Celery worker: Redis in CI, the filesystem broker on a laptop."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connections

from grids import access
from grids.models import GridCellUserObjectPermission
from grids.tasks import sync_all_cell_permissions
from gridsafety.celery import app

from ..conftest import build_grid, require, required


def _broker_ready(tmp_path) -> None:
    url = settings.CELERY_BROKER_URL
    if required("redis"):
        require(url.startswith("redis://"), "redis", "this run wants Redis as CELERY_BROKER_URL")
    if url.startswith("redis://"):
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            require(False, "redis", f"Redis is not answering at {url}")
    else:
        queue = tmp_path / "queue"
        queue.mkdir()
        app.conf.broker_transport_options = {
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "store_processed": False,
        }


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_permission_sync_runs_on_a_worker(tmp_path):
    _broker_ready(tmp_path)
    grid = build_grid()
    teacher, class1 = grid.users["teacher"], grid.cells["class1"]
    # A right gone missing (as when an assignment's start date arrives) ...
    GridCellUserObjectPermission.objects.filter(user=teacher).delete()
    assert not access.covers(teacher, class1)

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        sync_all_cell_permissions.delay()
        # ... is granted by the task the worker took from the broker.
        assert wait_for(lambda: access.covers(teacher, class1))
    connections.close_all()
