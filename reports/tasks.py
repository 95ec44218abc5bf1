from celery import shared_task

from .exports import export_build


@shared_task
def build_export(export_id: int) -> bool:
    """Build a queued Excel export; running it twice builds once."""
    return export_build(export_id)
