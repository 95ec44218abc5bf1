import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .exports import export_build
from .models import Export


@shared_task
def build_export(export_id: int) -> bool:
    """Build a queued Excel export; running it twice builds once."""
    return export_build(export_id)


@shared_task
def purge_old_exports(now=None) -> int:
    """Delete the exports requested more than REPORTS_EXPORT_KEEP_DAYS ago, files first
    then rows, whatever their state (one still pending by then was lost). Returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REPORTS_EXPORT_KEEP_DAYS)
    old = Export.objects.filter(created_at__lt=cutoff).only("pk", "file")
    deleted = 0
    for export in old.iterator(chunk_size=500):
        if export.file:
            # A file already gone is no error: the storage's delete ignores a missing name.
            export.file.delete(save=False)
        Export.objects.filter(pk=export.pk).delete()
        deleted += 1
    return deleted
