"""What the navigation offers, read in one query when a page shows it, and kept under the
access stamp so that most pages read nothing for it."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from duties.health.permissions import fillable_classes, overseen_classes
from duties.permissions import plannable_cells
from grids import access
from grids.models import Assignment, School


def _flags(user) -> dict:
    """The navigation's flags, read from the database: one query."""
    person = access.person_of(user)
    if person is None:
        # Bureau staff need not be anyone's grid person.
        found = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                covers=Exists(access.covered_cells(user)),
                bureau_staff=Exists(access.bureaus_for(user)),
                administers=Exists(access.administered_schools(user)),
            )
            .values("covers", "bureau_staff", "administers")
            .first()
        )
        return found or {}
    found = (
        School.objects.filter(pk=person.school_id)
        .annotate(
            covers=Exists(access.covered_cells(user)),
            bureau_staff=Exists(access.bureaus_for(user)),
            administers=Exists(access.administered_schools(user)),
            school_admin=Exists(access.administered_schools(user).filter(pk=person.school_id)),
            leads=Exists(access.leading_rights(user, person.school_id)),
            assigned=Exists(Assignment.objects.current().filter(person=person)),
            teaches=Exists(fillable_classes(user)),
            oversees=Exists(overseen_classes(user)),
            plans=Exists(plannable_cells(user).filter(school_id=person.school_id)),
        )
        .values(
            "covers",
            "bureau_staff",
            "administers",
            "school_admin",
            "leads",
            "assigned",
            "teaches",
            "oversees",
            "plans",
        )
        .first()
    )
    return found or {}


def nav_flags(user) -> dict:
    """`_flags`, kept in the cache under the access stamp the request read with the user's grid
    person, and the day (assignments and bureau staff start and end on a day). Any change to
    the rows they come from gives the stamp a new value in the same transaction (see
    `grids.models.AccessStamp`), so the next request in any process misses and reads anew;
    a process-local cache is enough. Bureau staff without a grid person read the flags each
    time (three `Exists`)."""
    person = access.person_of(user)
    stamp = getattr(person, "access_stamp", None)
    if stamp is None:
        return _flags(user)
    key = f"nav:{user.pk}:{person.pk}:{person.school_id}:{stamp}:{timezone.localdate()}"
    flags = cache.get(key)
    if flags is None:
        flags = _flags(user)
        cache.set(key, flags, timeout=24 * 3600)
    return flags


def navigation(request):
    """Which pages the navigation offers: the dashboard to those who cover cells, the
    education bureau's page to its staff, the exports to those who cover cells or administer
    a school, coverage to the school's admin and leader, the security log to its admin; today's
    checks to those holding a post, the health check to class teachers (its summary to
    leaders), the roster to its planners. One query, made only when a page shows the
    navigation."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"nav": SimpleLazyObject(lambda: nav_flags(user))}
