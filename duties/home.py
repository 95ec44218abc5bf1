"""The duties app's cards on the home page, each a fixed number of queries."""

from django.utils import timezone

from grids import access

from .health.permissions import overseen_classes
from .health.selectors import Summary, summary
from .models import Visit
from .permissions import GATE_POST

INSIDE_SHOWN = 5


def health_card(user, *, oversees: bool, fills: bool) -> dict | None:
    """Today's checks of the classes the user oversees (their own, for a class teacher).

    `oversees` and `fills` are whether `overseen_classes(user)` and `fillable_classes(user)`
    hold any class: the navigation knows them already (`gridsafety.context_processors`)."""
    classes = list(overseen_classes(user)) if oversees else []
    if not classes:
        return None
    today: Summary = summary(classes, timezone.localdate())
    return {"summary": today, "fills": fills}


def visitors_card(user) -> dict | None:
    """Who is inside now at the gates the user manages, and today's visits there."""
    gates = access.covered_cells(user).filter(cell_posts__post__code=GATE_POST)
    if not gates.exists():
        return None
    visits = Visit.objects.filter(cell__in=gates.values("pk"))
    inside = visits.filter(left_at__isnull=True)
    return {
        "inside": list(inside.select_related("cell")[:INSIDE_SHOWN]),
        "inside_count": inside.count(),
        "today_count": visits.filter(entered_at__date=timezone.localdate()).count(),
    }
