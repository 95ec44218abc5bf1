"""What the dashboard and the scorecard share: the viewer's hazards and links to the queue."""

import datetime
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.urls import get_script_prefix, get_urlconf, reverse

from grids import access
from hazards.models import Hazard


def queue_url(**filters) -> str:
    """The hazard queue filtered as given: where every dashboard number leads."""
    query = {"tab": "queue"}
    for name, value in filters.items():
        if value is True:
            value = "on"
        if isinstance(value, datetime.date):
            value = value.isoformat()
        query[name] = value
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return f"{_queue_path(get_script_prefix(), urlconf)}?{urlencode(query)}"


@lru_cache(maxsize=8)
def _queue_path(prefix: str, urlconf: str) -> str:
    """The queue's path, resolved once per script prefix and URLconf: the dashboard links
    to it about a hundred times a page."""
    return reverse("hazards:list", urlconf=urlconf)


def covered_hazards(user) -> QuerySet[Hazard]:
    """The hazards of every cell the user covers: the dashboard's whole world. Found through
    `access.reach`: a school leader's by the school column (the indexes that lead with it),
    a lower manager's by their subtree's cells."""
    return Hazard.objects.filter(access.reach(user).filter("cell", "school"))
