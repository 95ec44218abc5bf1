"""The duty library (zhize qingdan): written duties per grid level and per post, and the
posts each cell carries. A cell's duty list is its level's duties, its posts' duties and
its own extra duties (GridCell.duties)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import MAX_LEVEL, GridCell, School


class Post(models.Model):
    """A post with written duties: an office (jiaowuchu), or a role like the class teacher."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="posts", verbose_name=_("school")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="post_unique_code"),
        ]

    def __str__(self):
        return self.name


class Duty(models.Model):
    """One line of a duty list, for a post or for every cell of a grid level."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="duties", verbose_name=_("school")
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="duties",
        verbose_name=_("post"),
    )
    level = models.PositiveSmallIntegerField(
        _("grid level"),
        null=True,
        blank=True,
        choices=[(n, n) for n in range(1, MAX_LEVEL + 1)],
        help_text=_("For duties every cell of a level carries; leave empty for a post's duty."),
    )
    text = models.CharField(_("duty"), max_length=300)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=True, level__isnull=False)
                | Q(post__isnull=False, level__isnull=True),
                name="duty_for_a_post_or_a_level",
            ),
        ]

    def __str__(self):
        return self.text


class CellPost(models.Model):
    """A post a cell carries: the class cell carries the class teacher's duties."""

    cell = models.ForeignKey(
        GridCell, on_delete=models.CASCADE, related_name="cell_posts", verbose_name=_("cell")
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="cell_posts", verbose_name=_("post")
    )

    class Meta:
        verbose_name = _("post of a cell")
        verbose_name_plural = _("posts of cells")
        constraints = [
            models.UniqueConstraint(fields=["cell", "post"], name="cellpost_unique"),
        ]

    def __str__(self):
        return f"{self.cell} · {self.post}"


class Visit(models.Model):
    """A visitor logged at the gate (laifang dengji). The exit is recorded once, by a guarded
    update; nothing is edited afterwards."""

    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="visits", verbose_name=_("cell")
    )
    visitor = models.CharField(_("visitor"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    host = models.CharField(_("visiting"), max_length=50, help_text=_("Whom they visit."))
    health_check = models.CharField(
        _("health check"), max_length=100, help_text=_("e.g. temperature 36.5, code green.")
    )
    entered_at = models.DateTimeField(_("entered at"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exit logged by"),
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-entered_at", "-id"]
        indexes = [
            models.Index(fields=["cell", "entered_at"]),
            models.Index(fields=["cell"], name="visit_open", condition=Q(left_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.visitor} {self.entered_at:%Y-%m-%d %H:%M}"


# The morning and noon health check lives in its own module.
from .health.models import (  # noqa: E402, F401
    Absence,
    ClassRoll,
    FollowUp,
    HealthCheck,
    IllnessCase,
)


class RosterSource(models.TextChoices):
    FORM = "form", _("Planned on the roster page")
    IMPORT = "import", _("Imported from Excel")
    SEED = "seed", _("Demo data")


class RosterChange(models.Model):
    """One change to a roster (a plan, a replacement, a cancellation or an import): who made
    it, when and why. Its days are RosterDay rows; nothing here is edited afterwards."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="roster_changes", verbose_name=_("school")
    )
    source = models.CharField(_("source"), max_length=8, choices=RosterSource)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self):
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"


class RosterAction(models.TextChoices):
    PLAN = "plan", _("Planned")
    REPLACE = "replace", _("Replaced")
    CANCEL = "cancel", _("Cancelled")


class RosterDayQuerySet(models.QuerySet):
    def current(self):
        """The rows in force: those no later row supersedes."""
        return self.filter(superseded_by__isnull=True)


class RosterDay(models.Model):
    """Who is on duty in a time-bound cell on one day (zhizhou, zhiban).

    Append-only: a replacement or cancellation is a new row that supersedes the row in force
    for that cell and day (`supersedes`, one successor at most), so the chain of a day is its
    history. A cancellation has no person: nobody is on duty that day.
    """

    change = models.ForeignKey(
        RosterChange, on_delete=models.PROTECT, related_name="days", verbose_name=_("change")
    )
    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="roster_days", verbose_name=_("cell")
    )
    day = models.DateField(_("day"))
    person = models.ForeignKey(
        "grids.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_days",
        verbose_name=_("on duty"),
    )
    action = models.CharField(_("action"), max_length=8, choices=RosterAction)
    note = models.CharField(_("note"), max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )

    objects = RosterDayQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster day")
        verbose_name_plural = _("roster days")
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["cell", "day"]), models.Index(fields=["day"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(action=RosterAction.CANCEL, person__isnull=True)
                | (~Q(action=RosterAction.CANCEL) & Q(person__isnull=False)),
                name="rosterday_cancel_has_no_person",
            ),
            # Only one row per cell and day may start its chain, so the row in force is one.
            models.UniqueConstraint(
                fields=["cell", "day"],
                condition=Q(supersedes__isnull=True),
                name="rosterday_one_first_row",
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.cell} {self.person or '-'}"


# Recurring checks live in their own module; importing them here registers them with the app.
from .checks.models import (  # noqa: E402, F401
    CheckAnswer,
    CheckItem,
    CheckPhoto,
    CheckRecord,
    CheckRun,
    CheckTemplate,
    MissedDigest,
    Term,
)
