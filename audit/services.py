"""Writing security events. Never raises for a bad request: the log must not break a page."""

from axes.helpers import get_client_ip_address
from django.contrib.auth import get_user_model

from grids.models import Person

from .models import SecurityEvent

MAX_DETAIL = 500


def _school_id_for(user, username: str) -> int | None:
    """The school of the person behind the login, or behind the username that was typed."""
    people = Person.objects.all()
    if user is not None and getattr(user, "is_authenticated", False):
        people = people.filter(user=user)
    elif username:
        people = people.filter(user__username=username)
    else:
        return None
    return people.values_list("school_id", flat=True).first()


def event_record(*, request, kind: str, detail: str = "", user=None, username: str = ""):
    """Append one event: who (the request's user, or the given user or typed username),
    when, from which address and page, what."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and not username:
        username = user.get_username()
    if user is None and username:
        user = get_user_model().objects.filter(username=username).first()
    return SecurityEvent.objects.create(
        kind=kind,
        school_id=_school_id_for(user, username),
        user=user,
        username=username[:150],
        ip=get_client_ip_address(request) if request is not None else None,
        path=request.get_full_path()[:300] if request is not None else "",
        detail=str(detail)[:MAX_DETAIL],
    )
