from django.db.models import Exists
from django.utils.functional import SimpleLazyObject

from grids import access
from grids.models import Assignment, School

from .health.permissions import fillable_classes, overseen_classes
from .permissions import plannable_cells


def _flags(user) -> dict:
    person = access.person_of(user)
    if person is None:
        return {}
    found = (
        School.objects.filter(pk=person.school_id)
        .annotate(
            assigned=Exists(Assignment.objects.current().filter(person=person)),
            teaches=Exists(fillable_classes(user)),
            oversees=Exists(overseen_classes(user)),
            plans=Exists(plannable_cells(user).filter(school_id=person.school_id)),
        )
        .values("assigned", "teaches", "oversees", "plans")
        .first()
    )
    return found or {}


def duties_nav(request):
    """Which daily pages the navigation offers: today's checks to those holding a post, the
    health check to class teachers (its summary to leaders), the roster to its planners.
    One query, made only when a page shows the navigation."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"duties_nav": SimpleLazyObject(lambda: _flags(user))}
