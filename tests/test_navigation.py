"""The navigation offers each page to exactly the people its view lets in, from one query,
kept under the access stamp so that a change by any writer shows on the next request."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from duties.models import CellPost, Post
from duties.roster.services import roster_set
from duties.services import demo_posts_assign, duty_library_seed
from grids import access, services
from grids.management.commands.seed_demo import Command as SeedDemo
from grids.models import AccessStamp, Bureau, BureauMember, GridCell
from grids.permissions import can_view_coverage
from grids.tasks import sync_all_cell_permissions
from gridsafety.context_processors import _flags, nav_flags
from tests.factories import PersonFactory, UserFactory

PERSONAS = ("admin", "principal", "manager", "teacher", "guard", "outsider")


@pytest.mark.parametrize("persona", PERSONAS)
def test_links_follow_the_access_rules(grid, client_for, persona):
    user = grid.users[persona]
    person = access.person_of(user)
    html = client_for(user).get(reverse("home")).content.decode()
    expected = {
        reverse("grids:coverage"): can_view_coverage(user, person.school),
        reverse("audit:events"): access.is_school_admin(user, person.school),
        reverse("reports:exports"): (
            access.covered_cells(user).exists() or access.administered_schools(user).exists()
        ),
    }
    assert {url: f'href="{url}"' in html for url in expected} == expected


def test_the_rules_tell_the_personas_apart(grid):
    # Guards against a matrix where every persona sees the same thing.
    seen = {
        persona: (
            can_view_coverage(grid.users[persona], grid.school),
            access.is_school_admin(grid.users[persona], grid.school),
        )
        for persona in PERSONAS
    }
    assert seen["admin"] == (True, True)
    assert seen["principal"] == (True, False)
    assert seen["teacher"] == (False, False)


def test_the_base_page_reads_the_navigation_once(grid, client_for, django_assert_max_num_queries):
    client = client_for(grid.users["admin"])
    with django_assert_max_num_queries(6):  # session, user, person, navigation, inbox count
        client.get(reverse("hazards:inbox"))


# The flags are kept under the access stamp ------------------------------------------------
#
# Writers never touch the cache: a change shows because it gives the stamp a new value in its
# own transaction, and every request reads the stamp with the grid person. So a test in one
# process proves what holds across processes: the entry kept before the change is never read
# again. Each test below loads a page (the flags are kept), changes the rows through one
# writer, and loads a page again.


def shown(user) -> dict:
    """The flags the navigation of a page shows `user`, checked against a fresh read."""
    client = Client()
    client.force_login(user)
    flags = dict(client.get(reverse("hazards:inbox")).context["nav"].items())
    assert flags == _flags(get_user_model().objects.get(pk=user.pk))
    return flags


def stamp() -> int:
    return AccessStamp.objects.get().value


@pytest.fixture
def newcomer(grid):
    """A login with a grid person in the north school and no post yet."""
    user = UserFactory(username="newcomer")
    PersonFactory(school=grid.school, user=user, name="Newcomer")
    return user


@pytest.fixture
def class_posts(grid):
    """The class teacher's post on class1 and class2 (the teacher and teacher2 hold them)."""
    duty_library_seed(grid.school)
    post = Post.objects.get(school=grid.school, code="class-teacher")
    for key in ("class1", "class2"):
        CellPost.objects.create(cell=grid.cells[key], post=post)
    return post


def test_a_second_page_reads_no_flags(grid, client_for, django_assert_num_queries):
    client = client_for(grid.users["principal"])
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("hazards:inbox"))
    with django_assert_num_queries(len(first) - 1):  # the navigation's query, kept
        client.get(reverse("hazards:inbox"))


def test_a_post_shows_at_once(grid, newcomer):
    assert shown(newcomer)["assigned"] is False
    services.assignment_start(
        cell=grid.cells["general"], person=newcomer.grid_person, role=grid.role("member")
    )
    assert shown(newcomer)["assigned"] is True


def test_an_ended_post_shows_at_once(grid):
    guard = grid.users["guard"]
    assert shown(guard)["covers"] is True
    services.assignment_end(assignment=grid.cells["gate"].assignments.get())
    flags = shown(guard)
    assert flags["covers"] is False and flags["assigned"] is False


def test_a_handed_over_post_shows_at_once(grid, newcomer):
    guard = grid.users["guard"]
    assert (shown(guard)["covers"], shown(newcomer)["covers"]) == (True, False)
    services.assignment_replace(
        cell=grid.cells["gate"], role=grid.role("manager"), person=newcomer.grid_person
    )
    assert (shown(guard)["covers"], shown(newcomer)["covers"]) == (False, True)


def test_a_post_ending_tomorrow_is_gone_tomorrow(grid, monkeypatch):
    guard = grid.users["guard"]
    today = timezone.localdate()
    services.assignment_end(
        assignment=grid.cells["gate"].assignments.get(), on=today + datetime.timedelta(days=1)
    )
    assert shown(guard)["assigned"] is True
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + datetime.timedelta(days=1))
    assert shown(guard)["assigned"] is False  # the day is in the key
    assert shown(guard)["covers"] is True  # the rights follow at the hourly sync...
    sync_all_cell_permissions()
    assert shown(guard)["covers"] is False  # ...which shows at once


def test_school_admin_rights_show_at_once(grid):
    principal, admin = grid.users["principal"], grid.users["admin"]
    assert shown(principal)["school_admin"] is False
    services.school_admin_grant(user=principal, school=grid.school)
    assert shown(principal)["school_admin"] is True
    assert shown(admin)["administers"] is True
    services.school_admin_revoke(user=admin, school=grid.school)
    assert shown(admin)["administers"] is False


def test_rights_given_on_guardians_admin_page_show_at_once(grid, newcomer):
    root = get_user_model().objects.create_superuser("root", password="x")
    operator = Client()
    operator.force_login(root)
    cell = grid.cells["canteen"]
    url = reverse("admin:grids_gridcell_permissions_manage_user", args=[cell.pk, newcomer.pk])
    assert shown(newcomer)["covers"] is False
    assert operator.post(url, {"permissions": ["manage_cell"]}).status_code == 302
    assert shown(newcomer)["covers"] is True
    assert operator.post(url, {"permissions": ["administer_grid"]}).status_code == 302
    flags = shown(newcomer)
    assert flags["covers"] is False and flags["administers"] is True


def test_a_time_bound_cell_makes_a_planner_at_once(grid):
    office = grid.users["office"]
    assert shown(office)["plans"] is False
    cell = services.cell_create(
        school=grid.school,
        parent=grid.cells["general"],
        code="week",
        name="Week",
        roster_kind="duty_week",
    )
    assert shown(office)["plans"] is True
    cell.refresh_from_db()
    cell.roster_kind = ""
    services.cell_save(cell)
    assert shown(office)["plans"] is False


def test_a_day_on_duty_shows_at_once(grid, newcomer):
    cell = services.cell_create(
        school=grid.school,
        parent=grid.cells["general"],
        code="week",
        name="Week",
        roster_kind="duty_week",
    )
    assert shown(newcomer)["covers"] is False
    today = timezone.localdate()
    roster_set(cell=cell, person=newcomer.grid_person, first=today, last=today, actor=None)
    assert shown(newcomer)["covers"] is True


def test_a_deleted_cell_takes_its_rights_at_once(grid, newcomer):
    cell = services.cell_create(
        school=grid.school, parent=grid.cells["general"], code="store", name="Store"
    )
    assign_perm("grids.manage_cell", newcomer, cell)
    assert shown(newcomer)["covers"] is True
    services.cell_delete(cell)
    assert shown(newcomer)["covers"] is False


def test_the_class_teachers_post_shows_at_once(grid):
    teacher, manager = grid.users["teacher"], grid.users["manager"]
    assert (shown(teacher)["teaches"], shown(manager)["oversees"]) == (False, False)
    duty_library_seed(grid.school)
    post = Post.objects.get(school=grid.school, code="class-teacher")
    link = CellPost.objects.create(cell=grid.cells["class1"], post=post)
    assert (shown(teacher)["teaches"], shown(manager)["oversees"]) == (True, True)
    link.delete()
    assert (shown(teacher)["teaches"], shown(manager)["oversees"]) == (False, False)


def test_a_renamed_post_shows_at_once(grid, class_posts):
    teacher = grid.users["teacher"]
    assert shown(teacher)["teaches"] is True
    class_posts.code = "form-tutor"
    class_posts.save(update_fields=["code"])
    assert shown(teacher)["teaches"] is False


def test_a_moved_cell_shows_at_once(grid, class_posts):
    office = grid.users["office"]
    assert shown(office)["oversees"] is False
    cell = GridCell.objects.get(pk=grid.cells["class2"].pk)
    cell.parent = GridCell.objects.get(pk=grid.cells["general"].pk)
    services.cell_save(cell)
    assert shown(office)["oversees"] is True


def test_bureau_staff_show_at_once(grid):
    principal = grid.users["principal"]
    bureau = Bureau.objects.create(name="County", code="county")
    assert shown(principal)["bureau_staff"] is False
    member = BureauMember.objects.create(
        bureau=bureau, user=principal, valid_from=datetime.date(2026, 9, 1)
    )
    assert shown(principal)["bureau_staff"] is True
    member.valid_to = timezone.localdate()
    member.save(update_fields=["valid_to"])
    assert shown(principal)["bureau_staff"] is False
    member.valid_to = None
    member.save(update_fields=["valid_to"])
    assert shown(principal)["bureau_staff"] is True
    bureau.delete()  # its staff go with it
    assert shown(principal)["bureau_staff"] is False


def test_a_login_moved_to_another_person_shows_at_once(grid, newcomer):
    assert shown(newcomer)["assigned"] is False
    before = stamp()
    person = newcomer.grid_person
    person.user = None
    person.save(update_fields=["user"])
    guard = grid.people["guard"]
    guard.user = newcomer
    guard.save(update_fields=["user"])
    assert stamp() == before  # people carry no rights: the person's id is in the key
    assert shown(newcomer)["assigned"] is True


@pytest.mark.parametrize(
    "writer", ["demo_posts_assign", "mark_time_bound", "tree_rebuild", "on_duty_rights"]
)
def test_writers_without_signals_give_a_new_stamp(grid, writer):
    before = stamp()
    with transaction.atomic():
        if writer == "demo_posts_assign":
            demo_posts_assign(grid.school)
        elif writer == "mark_time_bound":
            data = {"code": "canteen", "roster_kind": "duty_week"}
            SeedDemo()._mark_time_bound(grid.school, data)
        elif writer == "tree_rebuild":
            GridCell.objects.filter(pk=grid.cells["gate"].pk).update(lft=999)
            call_command("grid_tree", "--rebuild", stdout=io.StringIO())
        else:
            holders = {(grid.users["teacher"].pk, grid.cells["gate"].pk)}
            services.on_duty_rights_set(grid.school, holders)
    assert stamp() != before


def test_a_sync_that_changes_nothing_keeps_the_stamp(grid):
    before = stamp()
    assert services.cell_permissions_sync(grid.school) == (0, 0)
    assert stamp() == before


def test_flags_are_kept_under_the_stamp_read_with_them(grid, newcomer):
    # The request read the stamp with the person; a writer then changed the rights before
    # the navigation was drawn. The fresh flags must not be kept under the older stamp.
    user = get_user_model().objects.get(pk=newcomer.pk)
    read_first = access.person_of(user).access_stamp
    services.assignment_start(
        cell=grid.cells["general"], person=newcomer.grid_person, role=grid.role("member")
    )
    assert nav_flags(user)["assigned"] is True
    assert stamp() != read_first
    day = timezone.localdate()
    person = newcomer.grid_person
    key = f"nav:{user.pk}:{person.pk}:{person.school_id}:{{}}:{day}"
    assert cache.get(key.format(read_first)) is None
    assert cache.get(key.format(stamp()))["assigned"] is True
