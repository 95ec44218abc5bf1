"""The demo school: believable, complete, with the documented logins, loaded once."""

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from grids import access
from grids.coverage import grid_problems
from grids.models import Assignment, GridCell, Person, School, Scope

LOGINS = ["admin", "principal", "manager", "office", "teacher", "guard", "villager"]


def load():
    call_command("seed_demo")


def login(username):
    # django-axes wants the request that carries the attempt.
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request=request, username=username, password="gridsafety-demo")


def test_demo_school_is_complete_and_idempotent(db):
    load()
    counts = (
        School.objects.count(),
        GridCell.objects.count(),
        Person.objects.count(),
        Assignment.objects.count(),
    )
    load()
    assert counts == (
        School.objects.count(),
        GridCell.objects.count(),
        Person.objects.count(),
        Assignment.objects.count(),
    )

    school = School.objects.get(code="qingshi")
    cells = list(school.cells.all())
    assert len(cells) >= 40
    assert {cell.level for cell in cells} == {1, 2, 3, 4}
    assert {cell.scope for cell in cells} == {Scope.INSIDE, Scope.OUTSIDE}
    for each in School.objects.all():
        assert grid_problems(each) == []


def test_demo_logins_and_their_reach(db):
    load()
    users = {name: login(name) for name in LOGINS}
    assert all(users.values())
    school = School.objects.get(code="qingshi")
    root = school.cells.get(parent=None)

    assert access.is_school_admin(users["admin"], school)
    assert access.is_school_leader(users["principal"], school)
    levels = {name: {c.level for c in access.covered_cells(user)} for name, user in users.items()}
    assert min(levels["manager"]) == 2
    assert min(levels["office"]) == 3
    assert levels["teacher"] == {4}
    assert levels["guard"] == {4}
    assert levels["villager"] == set()
    villager_cells = list(access.visible_cells(users["villager"]))
    assert len(villager_cells) == 1 and villager_cells[0].is_outside
    assert access.covered_cells(users["principal"]).count() == school.cells.count()
    assert not access.covers(users["manager"], root)

    other = School.objects.exclude(pk=school.pk).get()
    other_principal = login("donghu_principal")
    assert not access.visible_cells(other_principal).filter(school=school).exists()
    assert not access.visible_cells(users["principal"]).filter(school=other).exists()


def test_the_demo_bureau_sees_both_schools_and_nothing_inside(db):
    load()
    load()  # idempotent: still one bureau, one membership
    user = login("bureau")
    assert user is not None
    bureaus = list(access.bureaus_for(user))
    assert len(bureaus) == 1
    assert {s.code for s in bureaus[0].schools.all()} == {"qingshi", "donghu"}
    assert bureaus[0].members.count() == 1
    assert not access.covered_cells(user).exists()
    assert not access.visible_cells(user).exists()
    assert access.person_of(user) is None
