import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grids.access import OutOfReach

from .forms import EventFilterForm
from .permissions import can_read_log, visible_events

PAGE_SIZE = 50


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@login_required
@require_GET
def event_list(request):
    """The school admin's read-only security log, newest first, filtered by kind, dates
    (school time) and username."""
    if not can_read_log(request.user):
        raise OutOfReach("security log")
    form = EventFilterForm(request.GET or None)
    events = visible_events(request.user).select_related("school")
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["since"]:
            events = events.filter(at__gte=_day_start(data["since"]))
        if data["until"]:
            events = events.filter(at__lt=_day_start(data["until"] + datetime.timedelta(days=1)))
        if data["username"]:
            events = events.filter(username__iexact=data["username"])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: a page in the user's language saying how long to wait."""
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": settings.AXES_COOLOFF_MINUTES},
        status=429,
    )
