from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import audit


class Kind(models.TextChoices):
    LOGIN = audit.LOGIN, _("Login")
    LOGIN_FAILED = audit.LOGIN_FAILED, _("Failed login")
    LOCKOUT = audit.LOCKOUT, _("Lockout")
    DENIED = audit.DENIED, _("Denied access")
    EXPORT = audit.EXPORT, _("Export")
    IMPORT = audit.IMPORT, _("Import")


class SecurityEvent(models.Model):
    """One row per event, never edited: the school admin reads them, nobody changes them."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    school = models.ForeignKey(
        "grids.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("school"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "-at"], name="audit_school_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"
