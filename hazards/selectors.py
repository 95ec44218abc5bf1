"""Reads for the hazard pages: lists that scale with the page, not the table."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from grids import access

from .models import Hazard, HazardEvent, Notification, Status


def _for_list(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("cell", "category", "assignee").order_by("-reported_at", "-id")


def todo(user) -> QuerySet[Hazard]:
    """What waits for this user, not everything they could act on: hazards to rectify as
    assignee, and those they were asked to accept or verify (as the nearest manager, by
    escalation, or as level 1 for a major hazard) that are still in that state."""
    asked = Notification.objects.filter(recipient=user)
    to_accept = asked.filter(reason__in=["to_accept", "major", "escalated"]).values("hazard_id")
    to_verify = asked.filter(reason__in=["to_verify", "escalated"]).values("hazard_id")
    return _for_list(
        Hazard.objects.filter(
            Q(status=Status.RECTIFYING, assignee__user=user)
            | Q(status=Status.REPORTED, pk__in=to_accept)
            | (Q(status=Status.VERIFYING, pk__in=to_verify) & ~Q(rectified_by=user))
        )
    )


def reported_by(user) -> QuerySet[Hazard]:
    return _for_list(Hazard.objects.filter(reporter=user))


def overdue_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(status=Status.REPORTED, accept_due_at__lt=now) | Q(
        status=Status.RECTIFYING, rectify_due_at__lt=now
    )


def queue(user, filters: dict) -> QuerySet[Hazard]:
    """Everything in the user's subtree, narrowed by the queue's filters."""
    hazards = Hazard.objects.filter(access.cell_filter(user, "cell"))
    status = filters.get("status")
    if status == "all":
        pass
    elif status:
        hazards = hazards.filter(status=status)
    else:
        hazards = hazards.open()
    if filters.get("severity"):
        hazards = hazards.filter(severity=filters["severity"])
    if filters.get("category"):
        hazards = hazards.filter(category=filters["category"])
    if cell := filters.get("cell"):
        hazards = hazards.filter(
            cell__tree_id=cell.tree_id, cell__lft__gte=cell.lft, cell__rght__lte=cell.rght
        )
    if filters.get("overdue"):
        hazards = hazards.filter(overdue_q())
    if filters.get("escalated"):
        hazards = hazards.filter(escalation_level__gt=0)
    if filters.get("since"):
        hazards = hazards.filter(reported_at__date__gte=filters["since"])
    if filters.get("until"):
        hazards = hazards.filter(reported_at__date__lte=filters["until"])
    return _for_list(hazards)


def timeline(hazard: Hazard) -> QuerySet[HazardEvent]:
    return hazard.events.select_related("actor__grid_person").prefetch_related("photos")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("hazard__cell", "hazard__category", "event__actor__grid_person")
        .order_by("-created_at", "-id")
    )
