from .access import is_school_admin, person_of
from .permissions import can_view_coverage


def grid_person(request):
    """The signed-in user's grid person, and (lazily) what the navigation may offer them."""
    user = getattr(request, "user", None)
    person = person_of(user)
    return {
        "grid_person": person,
        "grid_can_see_coverage": lambda: (
            person is not None and can_view_coverage(user, person.school)
        ),
        "grid_is_school_admin": lambda: (
            person is not None and is_school_admin(user, person.school_id)
        ),
    }
