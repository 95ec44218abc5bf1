"""Reads for the hazard pages: lists that scale with the page, not the table."""

import datetime
import math

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import ngettext

from grids import access
from grids.models import Assignment

from . import permissions
from .models import (
    Action,
    Hazard,
    HazardEvent,
    HazardPhoto,
    Notification,
    Resolution,
    Severity,
    Status,
)

LIST_ORDER = ("-reported_at", "-id")  # report order: the `hazard_reported_at` index walks it
LIST_RELATED = ("cell", "category", "assignee")


def _for_list(queryset: QuerySet) -> QuerySet:
    return queryset.select_related(*LIST_RELATED).order_by(*LIST_ORDER)


class ListPaginator(Paginator):
    """Pages of a hazard list whose cost follows the page, not the table.

    The count stops `reach` rows past the start of the page asked for (a bounded count: one
    index walk of at most that many rows); when there are more, `more` is set and the page
    says "more than". Paging on always works: each page moves the bound along.
    """

    def __init__(self, object_list, per_page, number, reach):
        super().__init__(object_list, per_page)
        try:
            start = (max(int(number), 1) - 1) * per_page
        except (TypeError, ValueError):
            start = 0
        self.bound = start + reach
        self.more = False

    @cached_property
    def count(self) -> int:
        # Unordered: any index may find the rows, and the walk stops at the bound.
        counted = self.object_list.order_by()[: self.bound + 1].count()
        self.more = counted > self.bound
        return counted

    @property
    def known_pages(self) -> int:
        """The pages known to be full, when there are more than counted."""
        return math.ceil(self.bound / self.per_page)


class ListRow:
    """A hazard as a list row shows it (`hazards/_row.html`), worked out in Python: its
    labels, its dates as the row prints them, its link. The template only prints these; its
    lookups, filters and translations per row were most of the queue's time."""

    __slots__ = (
        "assignee",
        "description",
        "due",
        "escalated",
        "is_anonymous",
        "is_overdue",
        "number",
        "pk",
        "reported",
        "severity",
        "severity_label",
        "status",
        "status_label",
        "title",
        "url",
    )

    # What a row reads of its hazard, in one query without model instances.
    FIELDS = (
        "pk",
        "number",
        "status",
        "severity",
        "is_anonymous",
        "escalation_level",
        "category__name",
        "cell__name",
        "spot",
        "description",
        "reported_at",
        "assignee__name",
        "accept_due_at",
        "rectify_due_at",
    )

    def __init__(self, row: dict, made: "_RowMaking"):
        labels, now = made.labels, made.now
        self.pk = row["pk"]
        self.number = row["number"]
        self.url = f"{made.link}{self.pk}/"
        self.status = row["status"]
        self.status_label = labels[0][self.status]
        self.severity = row["severity"]
        self.severity_label = labels[1][self.severity]
        self.is_anonymous = row["is_anonymous"]
        levels = row["escalation_level"]
        self.escalated = (
            ngettext("Escalated %(levels)s level", "Escalated %(levels)s levels", levels)
            % {"levels": levels}
            if levels
            else ""
        )
        parts = [row["category__name"], row["cell__name"]]
        if row["spot"]:
            parts.append(row["spot"])
        self.title = " · ".join(parts)
        self.description = row["description"]
        self.reported = made.short(row["reported_at"])
        self.assignee = row["assignee__name"]
        due = {Status.REPORTED: row["accept_due_at"], Status.RECTIFYING: row["rectify_due_at"]}
        due = due.get(self.status)
        self.due = made.short(due) if due else ""
        self.is_overdue = due is not None and due < now


class _RowMaking:
    """What every row of a list shares, found once: the labels in the current language, the
    time now, the time zone, and the hazard page's address less its id (`reverse` per row
    cost more than the rest of the row)."""

    def __init__(self):
        self.labels = (
            {value: str(label) for value, label in Status.choices},
            {value: str(label) for value, label in Severity.choices},
        )
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.link = reverse("hazards:detail", args=[0]).removesuffix("0/")

    def short(self, moment: datetime.datetime) -> str:
        """A time as the lists print it: month-day hour:minute, local (`date:"m-d H:i"`)."""
        return moment.astimezone(self.zone).strftime("%m-%d %H:%M")


def list_rows(hazards: QuerySet[Hazard]) -> list[ListRow]:
    made = _RowMaking()
    return [ListRow(row, made) for row in hazards.values(*ListRow.FIELDS)]


def list_page(hazards: QuerySet[Hazard], number, per_page: int = 20, reach: int = 1000) -> Page:
    """Page `number` of a hazard list (ordered by `_for_list`) as `ListRow`s: its ids first,
    through the list's order alone (a walk of the report-order index when the filters
    allow), then those rows with their cell, category and assignee, in one query. Joining
    those for the whole list made the planners find every matching hazard and sort them all
    before taking 20."""
    ids = hazards.order_by(*LIST_ORDER).values_list("pk", flat=True)
    page = ListPaginator(ids, per_page, number, reach).get_page(number)
    page.object_list = list_rows(
        Hazard.objects.filter(pk__in=page.object_list).order_by(*LIST_ORDER)
    )
    return page


def todo(user) -> QuerySet[Hazard]:
    """What waits for this user, not everything they could act on: hazards to rectify as
    assignee, and those they were asked to accept or verify (as the nearest manager, by
    escalation, or as level 1 for a major hazard) that are still in that state.

    The three are found apart, each through its own index (the assignee's, the inbox's),
    and united: one `OR` of them read every hazard of the table."""
    asked = Notification.objects.filter(recipient=user)
    to_accept = asked.filter(reason__in=["to_accept", "major", "escalated"]).values("hazard_id")
    to_verify = asked.filter(reason__in=["to_verify", "escalated"]).values("hazard_id")
    hazards = Hazard.objects.order_by()
    ids = (
        hazards.filter(status=Status.RECTIFYING, assignee__user=user)
        .values("pk")
        .union(
            hazards.filter(status=Status.REPORTED, pk__in=to_accept).values("pk"),
            hazards.filter(status=Status.VERIFYING, pk__in=to_verify)
            .exclude(rectified_by=user)
            .values("pk"),
            all=True,
        )
    )
    return _for_list(Hazard.objects.filter(pk__in=ids))


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


def queue(reach: access.Reach, filters: dict) -> QuerySet[Hazard]:
    """Everything in the user's subtree (`access.reach`), narrowed by the queue's filters."""
    hazards = Hazard.objects.filter(reach.filter("cell", "school"))
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


def hazard_page(user, pk) -> Hazard:
    """The hazard of its page, if the user may see it, with what the page shows of it (the
    reporter's name too).

    The hazard is read by its key and the user's right tested on that row
    (`permissions.can_view`), rather than looked for among every hazard the user may see:
    the same answer, without the list of the cells they cover to build, plan and run. Its
    joins are only what the page shows: on PostgreSQL each one costs planning time on every
    view (the school's hazard settings are read when the accept form needs them)."""
    hazards = Hazard.objects.select_related("cell", "category", "assignee", "reporter__grid_person")
    try:
        hazard = hazards.get(pk=pk)
    except Hazard.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view(user, hazard):
        raise access.OutOfReach(f"{Hazard._meta.label} pk={pk}")
    return hazard


def timeline(hazard: Hazard) -> list[HazardEvent]:
    """The hazard's events in order, each with its actor's person and its photos as a list
    (`photo_list`), in one query: the events outer-joined to their photos, one row per photo
    (or per event without one), the photos built from their columns as the ORM would."""
    columns = [field.attname for field in HazardPhoto._meta.concrete_fields]
    rows = (
        hazard.events.select_related("actor__grid_person")
        .annotate(**{f"photo_{name}": F(f"photos__{name}") for name in columns})
        .order_by("at", "pk", "photos__uploaded_at", "photos__pk")
    )
    events: list[HazardEvent] = []
    for row in rows:
        if not events or events[-1].pk != row.pk:
            row.photo_list = []
            events.append(row)
        if row.photo_id is not None:
            values = [getattr(row, f"photo_{name}") for name in columns]
            events[-1].photo_list.append(HazardPhoto.from_db(rows.db, columns, values))
    return events


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("hazard__cell", "hazard__category", "event__actor__grid_person")
        .order_by("-created_at", "-id")
    )
