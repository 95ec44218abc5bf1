from celery import shared_task

from . import services
from .models import School


@shared_task
def sync_all_cell_permissions() -> dict[str, tuple[int, int]]:
    """Grant and withdraw cell rights for assignments that started or ended by date.

    Safe to run any number of times: it only moves the rights towards today's assignments.
    """
    return {school.code: services.cell_permissions_sync(school) for school in School.objects.all()}
