"""What the dashboard and the scorecard share: the viewer's hazards and links to the queue."""

import datetime
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

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
    return f"{reverse('hazards:list')}?{urlencode(query)}"


def covered_hazards(user) -> QuerySet[Hazard]:
    """The hazards of every cell the user covers: the dashboard's whole world."""
    return Hazard.objects.filter(access.cell_filter(user, "cell"))
