from celery import shared_task

from .escalation import escalation_scan


@shared_task
def scan_escalations() -> int:
    """Escalate overdue hazards; safe to run at any rate on any number of workers."""
    return escalation_scan()
