from celery import shared_task

from grids.models import School

from .services import roster_rights_sync


@shared_task
def sync_on_duty_rights() -> dict[str, tuple[int, int]]:
    """Hand the on-duty right to today's rostered people and take it from yesterday's.

    Safe to run any number of times: it only moves the rights towards today's roster.
    """
    return {school.code: roster_rights_sync(school) for school in School.objects.all()}
