"""Logins, failed logins and lockouts go to the security log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

import audit

from .middleware import mark_seen


@receiver(user_logged_in, dispatch_uid="audit_login")
def logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    mark_seen(request)
    audit.log(request, audit.LOGIN, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    audit.log(request, audit.LOGIN_FAILED, username=credentials.get("username") or "")


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def locked_out(sender, request, username, ip_address, **kwargs):
    audit.log(request, audit.LOCKOUT, username=username or "")
