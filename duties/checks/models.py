"""Check templates carried by duties, each period's run per cell, and what was recorded.

A run moves open -> done (first completion) or open -> missed (its period ended) through
guarded updates; the completions themselves are append-only records, a correction being a
new record that points at the one it corrects.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell, School
from hazards.models import Hazard, HazardCategory


class Term(models.Model):
    """A school term (xueqi): the period of per-term checks, and the bounds of school days."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="terms", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=50)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["school", "start"], name="term_unique_start"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="term_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start and self.end and self.school_id:
            overlapping = Term.objects.filter(
                school_id=self.school_id, start__lte=self.end, end__gte=self.start
            ).exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError(TERM_OVERLAP)


TERM_OVERLAP = _("This term overlaps another term of the school.")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    SCHOOL_DAYS = "school_days", _("School days")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    TERM = "term", _("Once a term")


class CheckTemplate(models.Model):
    """The recurring check a duty carries: how often, and its short form (the items)."""

    duty = models.OneToOneField(
        "duties.Duty",
        on_delete=models.CASCADE,
        related_name="check_template",
        verbose_name=_("duty"),
    )
    title = models.CharField(_("title"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency)
    instructions = models.CharField(_("instructions"), max_length=300, blank=True)
    hazard_category = models.ForeignKey(
        HazardCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category of problems found"),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("recurring check")
        verbose_name_plural = _("recurring checks")
        ordering = ["duty__sort_order", "id"]

    def __str__(self):
        return self.title


class ItemKind(models.TextChoices):
    YES_NO = "yes_no", _("OK / problem")
    NUMBER = "number", _("Number")
    NOTE = "note", _("Note")
    PHOTO = "photo", _("Photos")


class CheckItem(models.Model):
    template = models.ForeignKey(
        CheckTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("check")
    )
    label = models.CharField(_("item"), max_length=150)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind, default=ItemKind.YES_NO)
    required = models.BooleanField(_("required"), default=True)
    low = models.DecimalField(
        _("lowest normal value"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    high = models.DecimalField(
        _("highest normal value"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For numbers: a value outside these bounds is a problem."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("check item")
        verbose_name_plural = _("check items")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.label

    def out_of_bounds(self, value) -> bool:
        if value is None:
            return False
        return (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        )


class RunStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class CheckRun(models.Model):
    """One period's check in one cell. Opened in bulk by the beat job; unique per period."""

    template = models.ForeignKey(
        CheckTemplate, on_delete=models.CASCADE, related_name="runs", verbose_name=_("check")
    )
    # No index of its own: (cell, period_end) below serves every lookup by cell, and with a
    # plain one beside it PostgreSQL probed each covered cell's whole history (one index
    # entry and heap row per past run) for today's runs instead of the current ones.
    cell = models.ForeignKey(
        GridCell,
        on_delete=models.CASCADE,
        related_name="check_runs",
        verbose_name=_("cell"),
        db_index=False,
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus, default=RunStatus.OPEN)
    opened_at = models.DateTimeField(_("opened at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    missed_at = models.DateTimeField(_("marked missed at"), null=True, blank=True)
    missed_on = models.DateField(_("missed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("check of a period")
        verbose_name_plural = _("checks of periods")
        ordering = ["period_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "cell", "period_start"], name="checkrun_unique_period"
            ),
        ]
        indexes = [
            models.Index(fields=["cell", "period_end"]),
            models.Index(fields=["period_end"], name="checkrun_open", condition=Q(status="open")),
            models.Index(fields=["missed_on", "cell"]),
            # The bureau's week across many schools: the runs ending this week, any cell.
            models.Index(fields=["period_end"], name="checkrun_period_end"),
        ]

    def __str__(self):
        return f"{self.template} · {self.cell} · {self.period_start}"


class CheckRecord(models.Model):
    """A completion: final once written. A correction is a new record naming the previous."""

    run = models.ForeignKey(
        CheckRun, on_delete=models.CASCADE, related_name="records", verbose_name=_("check")
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    submitted_at = models.DateTimeField(_("recorded at"))
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("check record")
        verbose_name_plural = _("check records")
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return f"{self.run} · {self.submitted_at:%Y-%m-%d %H:%M}"


class CheckAnswer(models.Model):
    record = models.ForeignKey(
        CheckRecord, on_delete=models.CASCADE, related_name="answers", verbose_name=_("record")
    )
    item = models.ForeignKey(
        CheckItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    ok = models.BooleanField(_("OK"), null=True)
    number = models.DecimalField(_("number"), max_digits=9, decimal_places=2, null=True)
    text = models.CharField(_("text"), max_length=500, blank=True)
    is_problem = models.BooleanField(_("problem"), default=False)
    hazard = models.ForeignKey(
        Hazard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hazard opened"),
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["item__sort_order", "item_id"]

    def __str__(self):
        return str(self.item)


def check_photo_path(instance, filename):
    return f"checks/{instance.answer.record.run.cell.school_id}/{instance.answer_id}-{filename}"


class CheckPhoto(models.Model):
    answer = models.ForeignKey(
        CheckAnswer, on_delete=models.CASCADE, related_name="photos", verbose_name=_("answer")
    )
    image = models.ImageField(_("photo"), upload_to=check_photo_path)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name


class MissedDigest(models.Model):
    """The one message a manager gets about a day's missed checks; one row per manager and day,
    so a job that runs twice sends nothing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    day = models.DateField(_("day"))
    runs = models.ManyToManyField(CheckRun, related_name="+", verbose_name=_("missed checks"))
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest of missed checks")
        verbose_name_plural = _("digests of missed checks")
        ordering = ["-day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="misseddigest_unique_day"),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.day}"
