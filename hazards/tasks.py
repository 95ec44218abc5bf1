from celery import shared_task

from . import delivery
from .escalation import escalation_scan


@shared_task
def scan_escalations() -> int:
    """Escalate overdue hazards; safe to run at any rate on any number of workers."""
    return escalation_scan()


@shared_task
def deliver_events(event_ids: list[int]) -> None:
    """E-mail whoever an event notified, and queue one delivery per group robot."""
    for event_id in event_ids:
        delivery.send_emails(event_id)
        for channel_id in delivery.group_channels(event_id):
            deliver_webhook.delay(channel_id, event_id)


@shared_task(
    autoretry_for=(delivery.DeliveryError,),
    retry_backoff=2,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_webhook(channel_id: int, event_id: int) -> None:
    """One robot, one event; a failure retries with backoff and blocks nothing else."""
    delivery.send_webhook(channel_id, event_id)
