"""The access sweep: every URL that takes an object, for every persona, answers 404 for an
object out of that persona's reach (GET, and POST where the view takes POST).

The URLs come from the URL configuration itself, so a new URL with an object in its path is
swept as soon as it exists: its test fails until OBJECT_URLS below says how to make an object
for it (or PUBLIC says why it has none to protect).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone

from duties.checks.models import CheckRun, CheckTemplate, Frequency
from duties.health.models import ClassRoll, IllnessCase
from duties.models import CellPost, Duty, Post, Visit
from duties.services import duty_library_seed
from grids.models import Assignment, Bureau, BureauMember
from hazards import workflow
from hazards.models import HazardPhoto
from reports.models import Export, ExportKind, ExportStatus

from ..hazards.helpers import clean_photo

# URL prefixes the sweep leaves alone, and why.
EXCLUDED = {
    "admin/": "Django's admin: staff accounts only, each change list and object guarded by "
    "the ModelAdmin's own permissions (tests/grids/test_admin.py)",
    "i18n/": "set_language only: takes no object",
}

# Each school's leader files the objects, so nobody below the leader reaches them unless
# the grid says so.
LEADER = {"north": "principal", "south": "outsider"}


def walk(patterns, prefix="", namespace=""):
    """(route, "namespace:name", kwarg names) for every URL pattern, resolvers unfolded."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        kwargs = set(getattr(entry.pattern, "converters", {})) | set(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for sub_route, name, sub_kwargs in walk(entry.url_patterns, route, inner):
                yield sub_route, name, kwargs | sub_kwargs
        elif isinstance(entry, URLPattern):
            yield route, f"{namespace}{entry.name}" if entry.name else None, kwargs


def swept_patterns(patterns=None):
    """Every URL pattern with something in its path, except the EXCLUDED prefixes."""
    found = []
    for route, name, kwargs in walk(patterns or get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in EXCLUDED) or not kwargs:
            continue
        found.append((route, name, frozenset(kwargs)))
    return found


def leader(grid, cell):
    return grid.users[LEADER[cell.school.code]]


def hazard_in(grid, cell, photos=()):
    return workflow.hazard_report(
        reporter=leader(grid, cell),
        cell=cell,
        category=cell.school.hazard_categories.get(code="fire"),
        severity="general",
        description="Loose cable",
        spot="corner",
        photos=photos,
    )


def photo_in(grid, cell):
    hazard = hazard_in(grid, cell, photos=[clean_photo()])
    return HazardPhoto.objects.get(hazard=hazard)


def export_of(grid, cell):
    """A finished background export, which only the user who asked for it may download."""
    export = Export.objects.create(
        user=leader(grid, cell), kind=ExportKind.LEDGER, status=ExportStatus.DONE, filename="x.xlsx"
    )
    export.file.save("x.xlsx", ContentFile(b"PK"), save=True)
    return export


def class_at(grid, cell):
    """Make the cell a class: it carries the class teacher's post and has a roll."""
    duty_library_seed(cell.school)
    post = Post.objects.get(school=cell.school, code="class-teacher")
    CellPost.objects.get_or_create(cell=cell, post=post)
    ClassRoll.objects.get_or_create(cell=cell, defaults={"enrolled": 40})
    return cell


def illness_in(grid, cell):
    class_at(grid, cell)
    moment = timezone.now()
    return IllnessCase.objects.create(
        cell=cell,
        student="Student",
        symptom="fever",
        started_on=timezone.localdate(),
        opened_by=leader(grid, cell),
        opened_at=moment,
    )


def check_run_in(grid, cell):
    """Today's run of a daily check in the cell."""
    duty_library_seed(cell.school)
    duty = Duty.objects.filter(school=cell.school, level__isnull=False).first()
    template, _ = CheckTemplate.objects.get_or_create(
        duty=duty, defaults={"title": "Patrol", "frequency": Frequency.DAILY}
    )
    today = timezone.localdate()
    run, _ = CheckRun.objects.get_or_create(
        template=template,
        cell=cell,
        period_start=today,
        defaults={"period_end": today, "opened_at": timezone.now()},
    )
    return run


def visit_in(grid, cell):
    return Visit.objects.create(
        cell=cell,
        visitor="Visitor",
        phone="13900001234",
        purpose="Delivery",
        host="Office",
        health_check="ok",
        entered_at=hazard_in(grid, cell).reported_at,
        entered_by=leader(grid, cell),
    )


def bureau_over(grid, cell):
    """A bureau over the cell's school, its leader the bureau's only staff member: nobody
    else, whatever their post in a school, sees its figures."""
    school = cell.school
    bureau, _ = Bureau.objects.get_or_create(
        code=f"bureau-{school.code}", defaults={"name": f"Bureau of {school.name}"}
    )
    school.bureau = bureau
    school.save(update_fields=["bureau"])
    BureauMember.objects.get_or_create(
        bureau=bureau, user=leader(grid, cell), defaults={"valid_from": timezone.localdate()}
    )
    return {"code": bureau.code}


@dataclass
class Target:
    """How to make an object in a cell and the URL kwargs that name it; and, to prove the
    URL can answer anything but 404, who does reach such an object made in `home`."""

    make: Callable
    insider: str = "principal"
    home: str = "class2"


OBJECT_URLS = {
    "grids:cell": Target(lambda grid, cell: {"pk": cell.pk}),
    "grids:branch": Target(lambda grid, cell: {"pk": cell.pk}),
    "grids:reassign": Target(lambda grid, cell: {"pk": cell.pk}, insider="admin"),
    "grids:end_assignment": Target(
        lambda grid, cell: {"pk": Assignment.objects.filter(cell=cell).first().pk},
        insider="admin",
    ),
    "hazards:detail": Target(lambda grid, cell: {"pk": hazard_in(grid, cell).pk}),
    "hazards:act": Target(lambda grid, cell: {"pk": hazard_in(grid, cell).pk, "action": "accept"}),
    "hazards:photo": Target(lambda grid, cell: {"pk": photo_in(grid, cell).pk}),
    "hazards:signs": Target(lambda grid, cell: {"pk": cell.pk}),
    "reports:export_download": Target(lambda grid, cell: {"pk": export_of(grid, cell).pk}),
    "reports:bureau_detail": Target(bureau_over),
    "reports:bureau_xlsx": Target(bureau_over),
    "duties:health_check": Target(
        lambda grid, cell: {"pk": class_at(grid, cell).pk, "session": "morning"},
        insider="teacher2",
    ),
    "duties:health_follow_up": Target(
        lambda grid, cell: {"pk": class_at(grid, cell).pk}, insider="teacher2"
    ),
    "duties:health_case_return": Target(
        lambda grid, cell: {"pk": illness_in(grid, cell).pk}, insider="teacher2"
    ),
    "duties:check": Target(lambda grid, cell: {"pk": check_run_in(grid, cell).pk}),
    "duties:visit_leave": Target(
        lambda grid, cell: {"pk": visit_in(grid, cell).pk}, insider="guard", home="gate"
    ),
}

# URLs with a path argument but no object to keep from anyone: the reason, and arguments
# that name nothing real, which must answer 404.
PUBLIC = {
    "qr": (
        "a printed sign's signed token is the capability: whoever holds the sign may report "
        "there (or is sent to log in); a forged token names no cell",
        {"token": "1:forged-signature"},
    ),
    "reports:import_template": (
        "a template is a blank form for the school admin: it holds nobody's data; a kind that "
        "is not a template names nothing",
        {"kind": "nonsense"},
    ),
}

# Besides the other school, a cell of their own school that these personas do not reach.
OWN_SCHOOL_OUT_OF_REACH = {
    "teacher": "class2",
    "guard": "class2",
    "office": "class2",
    "villager": "class2",
    "south_teacher": "south_root",
}


def out_of_reach_cells(grid, persona):
    user = grid.users[persona]
    home_school = user.grid_person.school
    other = grid.cells["south_class"] if home_school == grid.school else grid.cells["class2"]
    cells = [other]
    if persona in OWN_SCHOOL_OUT_OF_REACH:
        cells.append(grid.cells[OWN_SCHOOL_OUT_OF_REACH[persona]])
    return cells


def answers(client, url):
    return client.get(url).status_code, client.post(url).status_code


@pytest.fixture
def gates(grid):
    """The guard's post on the north gate and the south class, so visits have registers."""
    for school, key in [(grid.school, "gate"), (grid.other_school, "south_class")]:
        duty_library_seed(school)
        CellPost.objects.create(
            cell=grid.cells[key], post=Post.objects.get(school=school, code="security-guard")
        )
    return grid


PATTERNS = swept_patterns()


def test_the_sweep_sees_the_object_urls():
    names = {name for _route, name, _kwargs in PATTERNS}
    assert {"hazards:detail", "grids:cell", "duties:visit_leave", "qr"} <= names
    assert not any(route.startswith("admin/") for route, _name, _kwargs in PATTERNS)


def unknown(patterns):
    return [
        name or route
        for route, name, _kwargs in patterns
        if name not in OBJECT_URLS and name not in PUBLIC
    ]


def test_a_new_object_url_is_swept_and_fails_until_registered():
    def view(request, pk):
        raise AssertionError("never called")

    extra = [
        *get_resolver().url_patterns,
        path("checks/", include(([path("<int:pk>/", view, name="record")], "checks"))),
        path("admin/extra/<int:pk>/", view, name="admin_extra"),
    ]
    assert unknown(swept_patterns(extra)) == ["checks:record"]
    assert unknown(PATTERNS) == []


def test_the_registry_names_no_url_that_is_gone():
    names = {name for _route, name, _kwargs in PATTERNS}
    assert set(OBJECT_URLS) | set(PUBLIC) <= names


@pytest.mark.parametrize(
    ("route", "name", "kwargs"), PATTERNS, ids=[name or route for route, name, _k in PATTERNS]
)
def test_an_object_out_of_reach_answers_404(route, name, kwargs, gates, client):
    grid = gates
    assert name in OBJECT_URLS or name in PUBLIC, (
        f"URL {route!r} ({name}) takes {sorted(kwargs)} but the access sweep does not know "
        "it: add to OBJECT_URLS in tests/security/test_access_sweep.py how to make an object "
        "for it (or to PUBLIC why it protects nothing)"
    )
    if name in PUBLIC:
        _reason, forged = PUBLIC[name]
        for persona, user in grid.users.items():
            client.force_login(user)
            assert set(answers(client, reverse(name, kwargs=forged))) == {404}, persona
        return

    target = OBJECT_URLS[name]
    # The URL does answer someone who reaches the object, so a 404 below means something.
    client.force_login(grid.users[target.insider])
    home_url = reverse(name, kwargs=target.make(grid, grid.cells[target.home]))
    assert set(answers(client, home_url)) - {404, 405}, f"{name}: even {target.insider} gets 404"

    for persona, user in grid.users.items():
        for cell in out_of_reach_cells(grid, persona):
            if target.home == cell.code and target.insider == persona:
                continue
            url = reverse(name, kwargs=target.make(grid, cell))
            client.force_login(user)
            get, post = answers(client, url)
            assert {get, post} <= {404, 405} and 404 in {get, post}, (
                f"{persona} reached {name} for an object in {cell.code}: GET {get}, POST {post}"
            )
