"""What the navigation offers, read in one query when a page shows it, and kept under the
access stamp so that most pages read nothing for it."""

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from duties.health.permissions import class_cells, fillable_classes
from duties.permissions import plannable_cells
from grids import access
from grids.models import Assignment, School, access_stamp_now


def _flags(user) -> dict:
    """The navigation's flags, read from the database: one query."""
    return _flags_and_stamp(user)[0]


def _flags_and_stamp(user) -> tuple[dict, int | None]:
    """The navigation's flags and the access stamp they stand for, read in one statement."""
    person = access.person_of(user)
    covered = access.covered_cells_alone(user)
    if person is None:
        # Bureau staff need not be anyone's grid person.
        found = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .annotate(
                covers=Exists(covered),
                bureau_staff=Exists(access.bureaus_for(user)),
                administers=Exists(access.administered_schools(user)),
                stamp=access_stamp_now(),
            )
            .values("covers", "bureau_staff", "administers", "stamp")
            .first()
        )
        return _split(found)
    found = (
        School.objects.filter(pk=person.school_id)
        .annotate(
            covers=Exists(covered),
            bureau_staff=Exists(access.bureaus_for(user)),
            administers=Exists(access.administered_schools(user)),
            school_admin=Exists(access.administered_schools(user).filter(pk=person.school_id)),
            leads=Exists(access.leading_rights(user, person.school_id)),
            assigned=Exists(Assignment.objects.current().filter(person=person)),
            teaches=Exists(fillable_classes(user)),
            oversees=Exists(class_cells().filter(pk__in=covered.values("pk"))),
            plans=Exists(plannable_cells(user).filter(school_id=person.school_id)),
            stamp=access_stamp_now(),
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
            "stamp",
        )
        .first()
    )
    return _split(found)


def _split(found: dict | None) -> tuple[dict, int | None]:
    flags = dict(found or {})
    return flags, flags.pop("stamp", None)


def nav_flags(user) -> dict:
    """`_flags`, kept in the cache under the access stamp and the day (assignments and bureau
    staff start and end on a day). The request reads the stamp with the user's grid person;
    any change to the rows the flags come from gives it a new value in the same transaction
    (see `grids.models.AccessStamp`), so the next request in any process looks under another
    key and reads anew: a process-local cache is enough. On a miss the flags are kept under
    the stamp read in their own statement, so an entry always describes the state its stamp
    stands for. Bureau staff without a grid person read the flags each time (three `Exists`)."""
    person = access.person_of(user)
    stamp = getattr(person, "access_stamp", None)
    if stamp is None:
        return _flags(user)
    day = timezone.localdate()

    def key(stamp):
        return f"nav:{user.pk}:{person.pk}:{person.school_id}:{stamp}:{day}"

    flags = cache.get(key(stamp))
    if flags is None:
        flags, read_with = _flags_and_stamp(user)
        if read_with is not None:
            cache.set(key(read_with), flags, timeout=24 * 3600)
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
