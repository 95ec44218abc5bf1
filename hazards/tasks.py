from celery import shared_task

from . import outbox
from .escalation import escalation_scan


@shared_task
def scan_escalations() -> int:
    """Escalate overdue hazards; safe to run at any rate on any number of workers."""
    return escalation_scan()


@shared_task
def deliver_events(event_ids: list[int]) -> int:
    """Send the outbox rows these events wrote, right after their step committed."""
    return outbox.deliver_events(event_ids)


@shared_task
def sweep_outbox() -> int:
    """Send every outbox row still pending and due: failed attempts whose wait is over, and
    messages whose task the broker lost or never got."""
    return outbox.sweep()
