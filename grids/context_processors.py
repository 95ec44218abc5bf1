from .access import person_of


def grid_person(request):
    """The signed-in user's grid person (what else the navigation offers is in `nav`)."""
    return {"grid_person": person_of(getattr(request, "user", None))}
