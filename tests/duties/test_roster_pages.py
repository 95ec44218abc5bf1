"""The roster page: who may plan (the school admin and whoever manages the duty cells), the
form's plan / replace / cancel, the history shown, the home card, and flat query counts."""

import pytest
from django.urls import reverse

from duties.models import RosterChange, RosterDay
from duties.roster import services

from .roster_helpers import day

URL = reverse("duties:rosters")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),  # school admin
        ("principal", 200),  # manages the whole school
        ("office", 200),  # manages the office the duty cells sit under
        ("manager", 404),  # a level-2 leader of another branch
        ("teacher", 404),  # on duty is not planning
        ("guard", 404),
        ("villager", 404),
        ("south_teacher", 404),  # another school
    ],
)
def test_who_may_see_and_plan_the_roster(grid, duty_cells, travel, client_for, persona, status):
    client = client_for(grid.users[persona])
    if persona == "teacher":
        services.roster_set(
            cell=duty_cells["duty_week"],
            person=grid.people["teacher"],
            first=day(0),
            last=day(0),
            actor=grid.users["office"],
        )
    assert client.get(URL).status_code == status
    for name in ("duties:roster_import", "duties:roster_template"):
        assert client.get(reverse(name)).status_code == status
    before = RosterDay.objects.count()
    response = client.post(
        URL,
        {
            "cell": duty_cells["duty_week"].pk,
            "first": day(1),
            "last": day(1),
            "person": grid.people["teacher2"].pk,
        },
    )
    assert response.status_code == (302 if status == 200 else 404)
    assert RosterDay.objects.count() == before + (1 if status == 200 else 0)


def test_the_other_schools_admin_plans_only_their_cells(grid, duty_cells, travel, client_for):
    page = client_for(grid.users["outsider"]).get(URL)
    # The outsider administers the south school: they plan its duty cell, and only it.
    assert [row["cell"].code for row in page.context["table"]] == ["south_duty"]
    response = client_for(grid.users["outsider"]).post(
        URL,
        {
            "cell": duty_cells["duty_week"].pk,
            "first": day(1),
            "last": day(1),
            "person": grid.people["teacher2"].pk,
        },
    )
    assert response.status_code == 200 and "cell" in response.context["form"].errors
    assert not RosterDay.objects.exists()


def test_plan_replace_and_cancel_through_the_form(grid, duty_cells, travel, client_for):
    client = client_for(grid.users["office"])
    cell = duty_cells["duty_week"].pk
    form = {"cell": cell, "first": day(0), "last": day(4), "person": grid.people["teacher"].pk}
    assert client.post(URL, form).status_code == 302

    replace = {**form, "first": day(1), "last": day(1), "person": grid.people["teacher2"].pk}
    page = client.post(URL, replace)
    assert page.status_code == 200 and page.context["form"].non_field_errors()
    assert client.post(URL, {**replace, "reason": "Ill"}).status_code == 302

    cancel = {"cell": cell, "first": day(2), "last": day(2), "reason": "Trip", "cancel": "1"}
    assert client.post(URL, cancel).status_code == 302
    no_person = {**form, "person": ""}
    assert "person" in client.post(URL, no_person).context["form"].errors

    page = client.get(URL, {"week": day(0)})
    days = dict(page.context["table"][0]["days"])
    assert days[day(0)].person == grid.people["teacher"]
    assert days[day(1)].person == grid.people["teacher2"]
    assert days[day(2)].person is None
    history = page.context["history"]
    assert [c.reason for c in history] == ["Trip", "Ill", ""]
    assert all(c.created_by == grid.users["office"] for c in history)
    content = page.content.decode()
    assert "Trip" in content and "Teacher2" in content


def test_the_page_keeps_its_query_count_as_the_roster_grows(
    grid, duty_cells, travel, client_for, django_assert_max_num_queries
):
    client = client_for(grid.users["office"])
    cell = duty_cells["duty_week"]
    services.roster_set(
        cell=cell,
        person=grid.people["teacher"],
        first=day(0),
        last=day(4),
        actor=grid.users["office"],
    )
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for n in range(1, 15):
        person = grid.people["teacher2" if n % 2 else "teacher"]
        services.roster_set(
            cell=cell,
            person=person,
            first=day(0),
            last=day(6),
            reason=f"r{n}",
            actor=grid.users["admin"],
        )
        services.roster_set(
            cell=duty_cells["holiday"],
            person=person,
            first=day(5),
            last=day(6),
            reason=f"h{n}",
            actor=grid.users["office"],
        )
    assert RosterChange.objects.count() > 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_the_home_page_shows_who_is_on_duty_today(grid, duty_cells, travel, client_for):
    services.roster_set(
        cell=duty_cells["duty_week"],
        person=grid.people["teacher"],
        first=day(0),
        last=day(4),
        actor=grid.users["office"],
    )
    page = client_for(grid.users["guard"]).get("/")
    rows = page.context["on_duty_today"]
    assert [(r.cell.code, r.person.name) for r in rows] == [("duty_week", "Teacher")]
    assert 'data-testid="on-duty-today"' in page.content.decode()
    assert not page.context["plans_rosters"]
    office_home = client_for(grid.users["office"]).get("/")
    assert office_home.context["plans_rosters"]
    assert reverse("duties:rosters") in office_home.content.decode()
    outsider_home = client_for(grid.users["outsider"]).get("/")
    assert outsider_home.context["on_duty_today"] == []


def test_the_admin_site_shows_the_record_read_only_and_only_to_its_school(
    grid, duty_cells, travel, client_for
):
    change = services.roster_set(
        cell=duty_cells["duty_week"],
        person=grid.people["teacher"],
        first=day(0),
        last=day(1),
        actor=grid.users["office"],
    )
    admin = grid.users["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    url = reverse("admin:duties_rosterchange_change", args=[change.pk])
    page = client_for(admin).get(url)
    assert page.status_code == 200 and "Duty Week" in page.content.decode()
    assert client_for(admin).post(url, {}).status_code == 403
    outsider = grid.users["outsider"]
    outsider.is_staff = True
    outsider.save(update_fields=["is_staff"])
    assert client_for(outsider).get(url).status_code in (302, 404)


def test_the_person_on_duty_finds_the_duty_list_of_the_post_on_their_home(
    grid, duty_cells, travel, client_for
):
    from duties.models import CellPost, Post
    from duties.services import duty_library_seed

    duty_library_seed(grid.school)
    post = Post.objects.get(school=grid.school, code="duty-week-teacher")
    CellPost.objects.create(cell=duty_cells["duty_week"], post=post)
    services.roster_set(
        cell=duty_cells["duty_week"],
        person=grid.people["teacher"],
        first=day(0),
        last=day(0),
        actor=grid.users["office"],
    )
    lists = client_for(grid.users["teacher"]).get("/").context["duty_lists"]
    assert "duty_week" in [duty_list.cell.code for duty_list in lists]
    lists = client_for(grid.users["teacher2"]).get("/").context["duty_lists"]
    assert "duty_week" not in [duty_list.cell.code for duty_list in lists]
