"""Hazards (yinhuan) and their closed loop: report, accept, rectify, verify, close.

Only `hazards.workflow` changes a hazard's status; every change appends a HazardEvent.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell, Person, School


def choice_label(choices: type[models.Choices], value):
    """What `get_FOO_display` gives for a field with these choices: the label of `value`, or
    `value` itself when it is none of them. Django's own builds a dict of every label of the
    field, translating each, on every call; the hazard page asks for three per event."""
    try:
        return force_str(choices(value).label)
    except ValueError:
        return force_str(value, strings_only=True)


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")


class Status(models.TextChoices):
    REPORTED = "reported", _("Awaiting acceptance")
    RECTIFYING = "rectifying", _("Rectifying")
    VERIFYING = "verifying", _("Awaiting verification")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")


OPEN_STATUSES = [Status.REPORTED, Status.RECTIFYING, Status.VERIFYING]
# What the reports count of a hazard in their window, after the column the window is taken
# by (its cell or its school): the window is then read from the index alone.
WINDOW_COLUMNS = [
    "reported_at",
    "category",
    "accept_span",
    "close_span",
    "submitted_at",
    "resolved",
    "closed_in_time",
]


class Resolution(models.TextChoices):
    """Where a closed hazard was resolved (the dashboard's "solved at the lowest level")."""

    OWN = "own", _("In its own cell")
    HIGHER = "higher", _("By a higher level")
    ESCALATED = "escalated", _("After escalation")


class Stage(models.TextChoices):
    """The clock a hazard can be late on."""

    ACCEPT = "accept", _("Acceptance")
    RECTIFY = "rectify", _("Rectification")


class HazardCategory(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="hazard_categories", verbose_name=_("school")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="category_unique_code"),
        ]

    def __str__(self):
        return self.name


class HazardSettings(models.Model):
    """A school's clock for hazards: deadlines and escalation periods by severity, in hours."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="hazard_settings", verbose_name=_("school")
    )
    accept_hours_general = models.PositiveIntegerField(
        _("accept within (general), hours"), default=24
    )
    accept_hours_serious = models.PositiveIntegerField(
        _("accept within (serious), hours"), default=4
    )
    accept_hours_major = models.PositiveIntegerField(_("accept within (major), hours"), default=1)
    rectify_hours_general = models.PositiveIntegerField(
        _("rectify within (general), hours"), default=7 * 24
    )
    rectify_hours_serious = models.PositiveIntegerField(
        _("rectify within (serious), hours"), default=3 * 24
    )
    rectify_hours_major = models.PositiveIntegerField(
        _("rectify within (major), hours"), default=24
    )
    escalate_hours_general = models.PositiveIntegerField(
        _("each further escalation (general), hours"), default=24
    )
    escalate_hours_serious = models.PositiveIntegerField(
        _("each further escalation (serious), hours"), default=12
    )
    escalate_hours_major = models.PositiveIntegerField(
        _("each further escalation (major), hours"), default=2
    )
    allow_anonymous_reports = models.BooleanField(
        _("accept anonymous reports from QR codes"),
        default=False,
        help_text=_("Visitors and parents may report by scanning a cell's sign, without a login."),
    )
    skip_non_working_days = models.BooleanField(
        _("stop the clock on weekends and holidays"),
        default=False,
        help_text=_("Off: deadlines run in calendar time."),
    )

    class Meta:
        verbose_name = _("hazard settings")
        verbose_name_plural = _("hazard settings")

    def __str__(self):
        return str(self.school)

    def hours(self, kind: str, severity: str) -> int:
        """`kind` is accept, rectify or escalate."""
        return getattr(self, f"{kind}_hours_{severity}")


class NonWorkingDay(models.Model):
    """A day the deadline clock stops on, when the school's settings say so."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="non_working_days", verbose_name=_("school")
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("non-working day")
        verbose_name_plural = _("non-working days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="nonworkingday_unique"),
        ]

    def __str__(self):
        return f"{self.date} {self.note}"


class HazardQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Hazard(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("school")
    )
    number = models.CharField(_("number"), max_length=24)
    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("cell")
    )
    spot = models.CharField(_("spot"), max_length=200, blank=True)
    category = models.ForeignKey(
        HazardCategory, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.REPORTED)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_hazards",
        verbose_name=_("reporter"),
    )
    is_anonymous = models.BooleanField(_("anonymous report"), default=False)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    reporter_ip = models.GenericIPAddressField(_("reported from address"), null=True, blank=True)
    assignee = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_hazards",
        verbose_name=_("assignee"),
    )
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rectification submitted by"),
    )
    interim_measures = models.TextField(_("interim measures"), blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    accept_due_at = models.DateTimeField(_("accept by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    rectify_due_at = models.DateTimeField(_("rectify by"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalated levels"), default=0, help_text=_("How many levels up the current stage went.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    # Facts the reports read, kept by hazards.workflow in the step's transaction and
    # recomputed in bulk from the source rows by hazards.facts.recompute_facts.
    accept_span = models.DurationField(_("time to accept"), null=True, blank=True, editable=False)
    close_span = models.DurationField(_("time to close"), null=True, blank=True, editable=False)
    resolved = models.CharField(
        _("resolved"), max_length=10, choices=Resolution, blank=True, editable=False
    )
    closed_in_time = models.BooleanField(_("closed in time"), default=False, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="hazard_unique_number"),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-reported_at"]),
            models.Index(fields=["cell", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["reporter", "-reported_at"]),
            models.Index(
                fields=["accept_due_at"],
                name="hazard_accept_due",
                condition=Q(status="reported"),
            ),
            models.Index(
                fields=["rectify_due_at"],
                name="hazard_rectify_due",
                condition=Q(status="rectifying"),
            ),
            # The dashboard's window (reported in the last weeks) and its closed per week.
            models.Index(fields=["reported_at"], name="hazard_reported_at"),
            models.Index(
                fields=["closed_at"], name="hazard_closed_at", condition=Q(status="closed")
            ),
            # The open hazards per cell with what the dashboard counts of them (overdue,
            # escalated). Partial: the ~1% of hazards still open, so probing each of a
            # school's 2,000 covered cells descends a tree of a few pages, not one over
            # every hazard ever reported.
            models.Index(
                fields=["cell", "status", "accept_due_at", "rectify_due_at", "escalation_level"],
                name="hazard_open_cell_due",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The reports' window per covered cell: the cell first, so each cell's window is
            # a range rather than its whole history, and every column the dashboard counts
            # (the facts included) so the window is read from the index alone.
            models.Index(
                fields=["cell", *WINDOW_COLUMNS],
                name="hazard_cell_window",
            ),
            models.Index(
                fields=["cell", "closed_at", "status"],
                name="hazard_cell_closed",
                condition=Q(status="closed"),
            ),
            # The same two for whoever covers a whole school (`access.Reach`: a right on its
            # level-1 cell), whose rows are found by their school column: the window in one
            # range instead of a probe per cell. The closed one is a whole index with the
            # status before the date, not a partial one: PostgreSQL drops a condition the
            # index's predicate implies, so (school, closed_at) range scans need the status
            # as a column to seek on, and SQLite then prefers it to (school, status,
            # reported_at), where it would read every closed hazard of the school.
            models.Index(
                fields=["school", *WINDOW_COLUMNS],
                name="hazard_school_window",
            ),
            models.Index(fields=["school", "status", "closed_at"], name="hazard_school_closed"),
        ]

    def __str__(self):
        return f"{self.number} {self.category}"

    def get_status_display(self):
        return choice_label(Status, self.status)

    def get_severity_display(self):
        return choice_label(Severity, self.severity)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        due = self.due_at
        return due is not None and due < timezone.now()

    @property
    def due_at(self):
        """The deadline of the current stage, if the clock runs."""
        if self.status == Status.REPORTED:
            return self.accept_due_at
        if self.status == Status.RECTIFYING:
            return self.rectify_due_at
        return None


class Action(models.TextChoices):
    REPORT = "report", _("Reported")
    ACCEPT = "accept", _("Accepted and assigned")
    DECLINE = "decline", _("Declined")
    SUBMIT = "submit", _("Rectification submitted")
    VERIFY = "verify", _("Verified and closed")
    REJECT = "reject", _("Sent back")
    REASSIGN = "reassign", _("Reassigned")
    DEADLINE = "deadline", _("Deadline changed")
    ESCALATE = "escalate", _("Escalated")


# action: (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.ACCEPT: (frozenset({Status.REPORTED}), Status.RECTIFYING),
    Action.DECLINE: (frozenset({Status.REPORTED}), Status.DECLINED),
    Action.SUBMIT: (frozenset({Status.RECTIFYING}), Status.VERIFYING),
    Action.VERIFY: (frozenset({Status.VERIFYING}), Status.CLOSED),
    Action.REJECT: (frozenset({Status.VERIFYING}), Status.RECTIFYING),
    Action.REASSIGN: (frozenset({Status.RECTIFYING}), None),
    Action.DEADLINE: (frozenset({Status.REPORTED, Status.RECTIFYING}), None),
}


class HazardEvent(models.Model):
    """One step of a hazard's history. Rows are only ever added."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    from_status = models.CharField(max_length=12, choices=Status, blank=True)
    to_status = models.CharField(max_length=12, choices=Status)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("hazard event")
        verbose_name_plural = _("hazard events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"])]

    def __str__(self):
        return f"{self.hazard_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def get_action_display(self):
        return choice_label(Action, self.action)

    def get_from_status_display(self):
        return choice_label(Status, self.from_status)

    def get_to_status_display(self):
        return choice_label(Status, self.to_status)


def photo_path(instance, filename):
    # Random names: nothing about the uploader, the place or the original file leaks.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"hazards/{instance.hazard.school_id}/{uuid.uuid4().hex}{suffix}"


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class HazardPhoto(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        HazardEvent, on_delete=models.CASCADE, related_name="photos", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=6, choices=PhotoKind)
    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.image.name

    def get_kind_display(self):
        return choice_label(PhotoKind, self.kind)


class Escalation(models.Model):
    """A hazard late on a stage, taken one more level up the tree.

    At most one row per (hazard, stage, level), so running the scan twice or on two workers
    at once cannot escalate twice; `processed_at` is claimed by one guarded update before the
    event and notifications are written.
    """

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="escalations")
    stage = models.CharField(max_length=8, choices=Stage)
    level = models.PositiveSmallIntegerField()
    cell = models.ForeignKey(GridCell, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    # The step's event, once applied: the inbox and outbox rows of a run join through it.
    event = models.ForeignKey(
        HazardEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hazard", "stage", "level"], name="escalation_once_per_level"
            ),
        ]
        indexes = [
            models.Index(fields=["claim"], name="escalation_claim"),
            models.Index(
                fields=["created_at"],
                name="escalation_unprocessed",
                condition=Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.hazard_id} {self.stage} +{self.level}"


class Notification(models.Model):
    """An inbox item: something for one user to see or do about a hazard."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(HazardEvent, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.reason} {self.hazard_id}"


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class WebhookChannel(models.Model):
    """A school's group-chat robot that hears of new, escalated and closed hazards."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="webhook_channels", verbose_name=_("school")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=WebhookKind)
    name = models.CharField(_("name"), max_length=50)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        blank=True,
        help_text=_("DingTalk only, when the robot's security setting is 'sign'."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self):
        return self.name


class DeliveryKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One outgoing message (an e-mail to one user, a post to one group robot), written in the
    transaction of the step that causes it: the transactional outbox (hazards.outbox).

    A worker claims the row with a guarded update, sends, and marks it sent; a failure sets
    the next attempt later and later; beat's sweep sends whatever is pending and due, so
    nothing depends on the broker having kept a task. `key` travels with the message so a
    receiver can drop a duplicate from a retry after a worker died between sending and marking.
    """

    event = models.ForeignKey(HazardEvent, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(_("kind"), max_length=8, choices=DeliveryKind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.ForeignKey(
        "WebhookChannel", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target = models.CharField(_("to"), max_length=254)
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"],
                condition=Q(kind="email"),
                name="delivery_one_email_per_event",
            ),
            models.UniqueConstraint(
                fields=["event", "channel"],
                condition=Q(kind="webhook"),
                name="delivery_one_post_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.target} {self.status}"
