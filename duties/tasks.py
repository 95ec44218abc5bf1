from celery import shared_task

from .checks import services as checks


@shared_task
def open_check_runs() -> int:
    """Open today's period of every recurring check; running twice changes nothing."""
    return checks.check_runs_open()


@shared_task
def mark_missed_checks() -> int:
    """Mark the checks whose period ended undone, and send each manager one digest."""
    marked, _digests = checks.missed_checks_process()
    return marked


@shared_task
def send_missed_digest(digest_id: int) -> bool:
    return checks.missed_digest_send(digest_id=digest_id)
