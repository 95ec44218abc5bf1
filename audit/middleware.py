"""Idle sessions end; denied object access is logged."""

import time

from django.core.exceptions import PermissionDenied

import audit
from grids.access import OutOfReach

SEEN_KEY = "idle_seen"
# Renewing the session's expiry is a database write: do it at most once a minute.
RENEW_EVERY = 60


def mark_seen(request) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """A session lives SESSION_IDLE_MINUTES after its last request (SESSION_COOKIE_AGE is
    set to that, and the session store refuses an expired session). A request more than a
    minute after the last renewal saves the session, which pushes its expiry on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(SEEN_KEY, 0) >= RENEW_EVERY:
                session[SEEN_KEY] = now  # modified: saved with a fresh expiry
        return self.get_response(request)


class DeniedAccessMiddleware:
    """Log an object the user may not reach (the view raised `OutOfReach`, answered as a
    plain 404) and a refused action (PermissionDenied)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfReach):
            audit.log(request, audit.DENIED, str(exception))
        elif isinstance(exception, PermissionDenied):
            audit.log(request, audit.DENIED, "permission denied")
        return None
