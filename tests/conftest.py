"""Shared fixtures: the personas on a small two-school grid, and service requirements.

Tests that need PostgreSQL, Redis or Chromium skip with a reason where those are absent;
a service named in GRIDSAFETY_REQUIRE (CI: "postgres,redis" or "chromium", or "all") must be
there, and a skip for its absence fails instead.
"""

import contextlib
import datetime
import os
import time
from dataclasses import dataclass

import pytest

from grids import services
from grids.models import Carve, GridCell, PersonKind, Role, School, Scope
from hazards.services import school_setup

from .factories import PersonFactory, SchoolFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

START = datetime.date(2026, 9, 1)


def required(service: str) -> bool:
    """Whether this run demands `service` ("postgres", "redis" or "chromium")."""
    wanted = {s.strip() for s in os.environ.get("GRIDSAFETY_REQUIRE", "").split(",")}
    return service in wanted or "all" in wanted


def require(condition: bool, service: str, reason: str) -> None:
    """Skip when a service is absent on this machine; fail when this run demands it."""
    if condition:
        return
    if required(service):
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@dataclass
class Grid:
    """One school's tree with a persona per role, and a second school to prove isolation.

    school "north":
      root (L1, principal)
      +- teaching (L2, manager)
      |  +- grade1 (L3, grade head)
      |     +- class1 (L4, teacher)          +- class2 (L4, teacher2)
      +- logistics (L2, logistics head)
      |  +- general (L3, office)
      |  |  +- canteen (L4, cook)
      |  +- security (L3, security head)
      |     +- gate (L4, guard)
      +- outside (L2 outside, liaison head)
         +- village (L3 outside, liaison head)
            +- road (L4 outside: teacher as liaison, villager, parent)
    school "south": root (L1, outsider) +- south_class (L4 path through L2, L3)
    """

    school: School
    other_school: School
    roles: dict
    cells: dict
    users: dict
    people: dict

    def role(self, code, school=None) -> Role:
        return (school or self.school).roles.get(code=code)


def _cell(school, parent, code, scope=Scope.INSIDE):
    return services.cell_create(
        school=school,
        parent=parent,
        code=code,
        name=code.title(),
        scope=scope,
        carve=Carve.SPACE,
    )


def build_grid() -> Grid:
    school = SchoolFactory(code="north", name="North Primary")
    other = SchoolFactory(code="south", name="South Primary")
    roles = {r.code: r for r in services.roles_seed_defaults(school)}
    other_roles = {r.code: r for r in services.roles_seed_defaults(other)}
    school_setup(school)
    school_setup(other)
    cells, users, people = {}, {}, {}

    def person(key, school_=school, login=True, kind=PersonKind.STAFF):
        user = UserFactory(username=key) if login else None
        people[key] = PersonFactory(school=school_, user=user, name=key.title(), kind=kind)
        if user:
            users[key] = user
        return people[key]

    def hold(cell_key, person_key, role_code="manager", role_map=roles):
        services.assignment_start(
            cell=cells[cell_key],
            person=people[person_key],
            role=role_map[role_code],
            valid_from=START,
        )

    for key in ["principal", "manager", "office", "teacher", "guard", "admin"]:
        person(key)
    person("villager", kind=PersonKind.OUTSIDE)
    person("parent", login=False, kind=PersonKind.OUTSIDE)
    for key in [
        "grade_head",
        "teacher2",
        "logistics_head",
        "cook",
        "security_head",
        "liaison_head",
    ]:
        person(key, login=key == "teacher2")

    cells["root"] = _cell(school, None, "root")
    cells["teaching"] = _cell(school, cells["root"], "teaching")
    cells["grade1"] = _cell(school, cells["teaching"], "grade1")
    cells["class1"] = _cell(school, cells["grade1"], "class1")
    cells["class2"] = _cell(school, cells["grade1"], "class2")
    cells["logistics"] = _cell(school, cells["root"], "logistics")
    cells["general"] = _cell(school, cells["logistics"], "general")
    cells["canteen"] = _cell(school, cells["general"], "canteen")
    cells["security"] = _cell(school, cells["logistics"], "security")
    cells["gate"] = _cell(school, cells["security"], "gate")
    cells["outside"] = _cell(school, cells["root"], "outside", Scope.OUTSIDE)
    cells["village"] = _cell(school, cells["outside"], "village", Scope.OUTSIDE)
    cells["road"] = _cell(school, cells["village"], "road", Scope.OUTSIDE)

    hold("root", "principal")
    hold("root", "admin", "member")
    hold("teaching", "manager")
    hold("grade1", "grade_head")
    hold("class1", "teacher")
    hold("class2", "teacher2")
    hold("logistics", "logistics_head")
    hold("general", "office")
    hold("canteen", "cook")
    hold("security", "security_head")
    hold("gate", "guard")
    hold("outside", "liaison_head")
    hold("village", "liaison_head")
    hold("road", "teacher", "liaison-teacher")
    hold("road", "villager", "community-worker")
    hold("road", "parent", "parent-volunteer")
    services.school_admin_grant(user=users["admin"], school=school)

    person("outsider", school_=other)
    person("south_teacher", school_=other)
    for key, parent in [
        ("south_root", None),
        ("south_l2", "south_root"),
        ("south_l3", "south_l2"),
        ("south_class", "south_l3"),
    ]:
        cells[key] = _cell(other, cells[parent] if parent else None, key)
    hold("south_root", "outsider", role_map=other_roles)
    hold("south_l2", "outsider", role_map=other_roles)
    hold("south_l3", "outsider", role_map=other_roles)
    hold("south_class", "south_teacher", role_map=other_roles)
    services.school_admin_grant(user=users["outsider"], school=other)

    for cell in cells.values():
        cell.refresh_from_db()
    return Grid(
        school=school, other_school=other, roles=roles, cells=cells, users=users, people=people
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache. Each test's database rolls back to the access
    stamp the previous one started from, with other rows behind it; production's stamps
    never come back to a value that stood for another state."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def grid(db) -> Grid:
    return build_grid()


@pytest.fixture
def client_for(client):
    """A test client logged in as the named persona of `grid`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def cell_by_code(school, code) -> GridCell:
    return GridCell.objects.get(school=school, code=code)


def wait_for(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def live_worker(transactional_db, settings):
    """A real Celery worker thread on the configured broker: Redis when CELERY_BROKER_URL
    names it (CI), else the filesystem broker in tests/settings.py's scratch folder."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connections

    from gridsafety.celery import app

    url = settings.CELERY_BROKER_URL
    if required("redis"):
        require(url.startswith("redis://"), "redis", "this run wants Redis as CELERY_BROKER_URL")
    if url.startswith("redis://"):
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            require(False, "redis", f"Redis is not answering at {url}")
        app.control.purge()  # tasks an earlier test left queued
    else:
        for leftover in (settings.TEST_BROKER_DIR / "queue").iterdir():
            leftover.unlink()  # messages an earlier test left unconsumed

    @contextlib.contextmanager
    def running():
        app.conf.broker_url  # noqa: B018 - load the settings now, or they would undo the line below
        app.conf.task_always_eager = False
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
                yield app
        finally:
            app.conf.task_always_eager = True
            connections.close_all()

    return running
