"""Who hears of a hazard event, written as inbox rows in the event's own transaction."""

from grids.access import MANAGE
from grids.models import GridCell, GridCellUserObjectPermission

from .models import HazardEvent, Notification


def cell_managers(cell: GridCell, exclude: int | None = None) -> list[int]:
    """User ids of whoever manages `cell`; if nobody does (a gap), the nearest manager above.

    `exclude` skips one user, so a manager who rectified their own cell's hazard sends the
    verification to the level above. Rights rows are kept in step with managing
    assignments, so one query answers it.
    """
    rows = (
        GridCellUserObjectPermission.objects.filter(
            permission__codename=MANAGE,
            permission__content_type__app_label="grids",
            content_object__tree_id=cell.tree_id,
            content_object__lft__lte=cell.lft,
            content_object__rght__gte=cell.rght,
        )
        .order_by("-content_object__depth")
        .values_list("user_id", "content_object__depth")
    )
    nearest = None
    users = []
    for user_id, depth in rows:
        if user_id == exclude:
            continue
        if nearest is None:
            nearest = depth
        if depth != nearest:
            break
        users.append(user_id)
    return users


def school_leaders(cell: GridCell) -> list[int]:
    """User ids managing the level-1 cell of the cell's tree."""
    return list(
        GridCellUserObjectPermission.objects.filter(
            permission__codename=MANAGE,
            permission__content_type__app_label="grids",
            content_object__tree_id=cell.tree_id,
            content_object__parent__isnull=True,
        ).values_list("user_id", flat=True)
    )


def notify(event: HazardEvent, recipients: dict[int, str], skip: int | None = None) -> int:
    """Inbox rows for `recipients` ({user id: reason}), never to the actor themselves."""
    rows = [
        Notification(recipient_id=user_id, hazard_id=event.hazard_id, event=event, reason=reason)
        for user_id, reason in recipients.items()
        if user_id and user_id != skip
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
