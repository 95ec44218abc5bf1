"""The security log: who did what that matters for security, when, and from where.

Other apps record exports and imports with `audit.log(request, audit.EXPORT, "...")`;
logins, failures, lockouts and denied object access are recorded here by signal receivers
and middleware.
"""

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOCKOUT = "lockout"
DENIED = "denied"
EXPORT = "export"
IMPORT = "import"


def log(request, kind: str, detail: str = "", *, user=None, username: str = ""):
    """Append one security event for this request (see `audit.services.event_record`)."""
    from .services import event_record

    return event_record(request=request, kind=kind, detail=detail, user=user, username=username)
