"""Reads for the hazard pages: lists that scale with the page, not the table."""

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from grids import access
from grids.models import Assignment

from .models import Action, Hazard, HazardEvent, Notification, Resolution, Status


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


def ever_escalated() -> Exists:
    """Whether the hazard was ever taken up a level (its escalation events stay as record)."""
    return Exists(HazardEvent.objects.filter(hazard=OuterRef("pk"), action=Action.ESCALATE))


def accepted_in_own_cell() -> Exists:
    """Whether whoever accepted the hazard managed its own cell on that day: the loop ran
    inside the cell (xiao shi bu chu ge) rather than being taken on by a level above."""
    acceptor = HazardEvent.objects.filter(hazard=OuterRef(OuterRef("pk")), action=Action.ACCEPT)
    return Exists(
        Assignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=OuterRef("accepted_at__date")),
            cell=OuterRef("cell"),
            role__manages_cell=True,
            valid_from__lte=OuterRef("accepted_at__date"),
            person__user=Subquery(acceptor.order_by("at", "id").values("actor")[:1]),
        )
    )


# How a closed hazard was resolved, as the dashboard and the queue's filter both read it:
# the fact stored when it closed (worked out from the two above, see hazards.facts).
RESOLUTIONS = {
    key: (lambda key=key: Q(status=Status.CLOSED, resolved=key)) for key in Resolution.values
}

IN_TIME = Q(status=Status.CLOSED, closed_at__lte=F("rectify_due_at"))
LATE = Q(status=Status.CLOSED, closed_at__gt=F("rectify_due_at"))


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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
    # The dashboard's numbers lead here; these filters are set by its links.
    if filters.get("in_cell"):
        hazards = hazards.filter(cell=filters["in_cell"])
    if filters.get("closed_from"):
        hazards = hazards.filter(closed_at__gte=local_midnight(filters["closed_from"]))
    if filters.get("closed_until"):
        next_day = filters["closed_until"] + datetime.timedelta(days=1)
        hazards = hazards.filter(closed_at__lt=local_midnight(next_day))
    if filters.get("reached") == "accepted":
        hazards = hazards.filter(accepted_at__isnull=False)
    elif filters.get("reached") == "submitted":
        hazards = hazards.filter(submitted_at__isnull=False)
    if filters.get("timeliness") == "in_time":
        hazards = hazards.filter(IN_TIME)
    elif filters.get("timeliness") == "late":
        hazards = hazards.filter(LATE)
    if filters.get("resolved") in RESOLUTIONS:
        hazards = hazards.filter(RESOLUTIONS[filters["resolved"]]())
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
