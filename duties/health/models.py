"""The morning and noon health check (chenwujian) of a class.

Twice a school day the class teacher records enrolled, present and absent, with a row per
absent student. Everything is append-only: a correction is a new `HealthCheck` for the same
class, day and session (the latest one counts); a follow-up of an unknown absence is a new
`FollowUp`; an illness is an `IllnessCase` kept open until the student's return is logged.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from grids.models import GridCell


class Session(models.TextChoices):
    MORNING = "morning", _("Morning check")
    NOON = "noon", _("Noon check")


class Reason(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    LEAVE = "leave", _("Personal leave")
    UNKNOWN = "unknown", _("Unknown")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    VOMITING = "vomiting", _("Vomiting")
    RASH = "rash", _("Rash")
    OTHER = "other", _("Other")


class FollowUpResult(models.TextChoices):
    ILLNESS = "illness", _("Reached the parent: illness")
    LEAVE = "leave", _("Reached the parent: personal leave")
    NOT_REACHED = "not_reached", _("Parent not reached")


RESOLVED = [FollowUpResult.ILLNESS, FollowUpResult.LEAVE]


class ClassRoll(models.Model):
    """How many students a class has enrolled: the default of each check's "enrolled"."""

    cell = models.OneToOneField(
        GridCell, on_delete=models.CASCADE, related_name="class_roll", verbose_name=_("class")
    )
    enrolled = models.PositiveSmallIntegerField(_("enrolled"))

    class Meta:
        verbose_name = _("class roll")
        verbose_name_plural = _("class rolls")

    def __str__(self):
        return f"{self.cell} · {self.enrolled}"


class HealthCheckQuerySet(models.QuerySet):
    def current(self):
        """The latest record of each class, day and session; earlier ones were corrected."""
        newer = HealthCheck.objects.filter(
            cell=OuterRef("cell"),
            date=OuterRef("date"),
            session=OuterRef("session"),
            pk__gt=OuterRef("pk"),
        )
        return self.filter(~Exists(newer))


class HealthCheck(models.Model):
    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="health_checks", verbose_name=_("class")
    )
    date = models.DateField(_("date"))
    session = models.CharField(_("session"), max_length=8, choices=Session)
    enrolled = models.PositiveSmallIntegerField(_("enrolled"))
    present = models.PositiveSmallIntegerField(_("present"))
    absent = models.PositiveSmallIntegerField(_("absent"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = HealthCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("morning or noon check")
        verbose_name_plural = _("morning and noon checks")
        ordering = ["-date", "session", "-id"]
        indexes = [models.Index(fields=["cell", "date", "session"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enrolled=models.F("present") + models.F("absent")),
                name="healthcheck_totals_add_up",
            ),
        ]

    def __str__(self):
        return f"{self.cell} {self.date} {self.get_session_display()}"


class IllnessCase(models.Model):
    """A student away ill, tracked until the teacher logs the return (once)."""

    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="illness_cases", verbose_name=_("class")
    )
    student = models.CharField(_("student"), max_length=50)
    symptom = models.CharField(_("main symptom"), max_length=10, choices=Symptom)
    started_on = models.DateField(_("first day away"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    opened_at = models.DateTimeField(_("recorded at"))
    returned_on = models.DateField(_("back at school on"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return logged by"),
    )
    returned_at = models.DateTimeField(_("return logged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("illness case")
        verbose_name_plural = _("illness cases")
        ordering = ["started_on", "id"]
        indexes = [
            models.Index(fields=["cell", "started_on"]),
            models.Index(
                fields=["cell"], name="illnesscase_open", condition=models.Q(returned_on=None)
            ),
        ]

    def __str__(self):
        return f"{self.student} ({self.get_symptom_display()}) {self.started_on}"


class Absence(models.Model):
    check_record = models.ForeignKey(
        HealthCheck,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("morning or noon check"),
    )
    student = models.CharField(_("student"), max_length=50)
    reason = models.CharField(_("reason"), max_length=8, choices=Reason)
    case = models.ForeignKey(
        IllnessCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absences",
        verbose_name=_("illness case"),
    )

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["id"]

    def __str__(self):
        return f"{self.student} · {self.get_reason_display()}"


class FollowUp(models.Model):
    """The same-day follow-up of a student absent for an unknown reason (yinbing quke
    zhuizong). One student's unknown absences of a day share their follow-ups."""

    cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("class")
    )
    date = models.DateField(_("date"))
    student = models.CharField(_("student"), max_length=50)
    result = models.CharField(_("result"), max_length=12, choices=FollowUpResult)
    note = models.CharField(_("note"), max_length=200, blank=True)
    case = models.ForeignKey(
        IllnessCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("illness case"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["cell", "date", "student"])]

    def __str__(self):
        return f"{self.student} {self.date} · {self.get_result_display()}"
