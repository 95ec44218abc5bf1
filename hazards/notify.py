"""Inbox rows for a hazard event, written in the event's own transaction.

Who manages a cell is the grid's answer: `grids.access.cell_managers` and `school_leaders`.
"""

from .models import HazardEvent, Notification


def notify(event: HazardEvent, recipients: dict[int, str], skip: int | None = None) -> int:
    """Inbox rows for `recipients` ({user id: reason}), never to the actor themselves."""
    rows = [
        Notification(recipient_id=user_id, hazard_id=event.hazard_id, event=event, reason=reason)
        for user_id, reason in recipients.items()
        if user_id and user_id != skip
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
