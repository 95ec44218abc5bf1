"""Exports built in the background: who asked for what, and the file once it is ready.

The file lives under MEDIA_ROOT/exports/ with a random name and is served only through
`reports.exports_views.download`, to the user who asked for it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    ACCOUNTABILITY = "accountability", _("Accountability list")
    LEDGER = "ledger", _("Hazard ledger")
    CHECKS = "checks", _("Check records")
    ROSTER = "roster", _("Duty roster")
    SCORECARD = "scorecard", _("Scorecard")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(instance, filename):
    # Random names: the file's address says nothing about who asked or what is in it.
    return f"exports/{uuid.uuid4().hex}.xlsx"


class Export(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ExportKind)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus, default=ExportStatus.PENDING
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to=export_path, blank=True, max_length=200)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.user_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
