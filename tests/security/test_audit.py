"""The security log: denied access recorded centrally, exports and imports recorded by the
apps, read by the school admin for their school only."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import Kind, SecurityEvent

from ..hazards.helpers import report


def test_an_object_out_of_reach_is_logged_a_missing_one_is_not(grid, client_for):
    south = report(grid, reporter="south_teacher", cell="south_class")
    client = client_for(grid.users["teacher"])
    url = reverse("hazards:detail", args=[south.pk])
    assert client.get(url, REMOTE_ADDR="10.1.2.3").status_code == 404
    event = SecurityEvent.objects.get(kind=Kind.DENIED)
    assert (event.user, event.username, event.school, event.ip, event.path) == (
        grid.users["teacher"],
        "teacher",
        grid.school,
        "10.1.2.3",
        url,
    )
    assert f"hazards.Hazard pk={south.pk}" in event.detail

    assert client.get(reverse("hazards:detail", args=[south.pk + 1000])).status_code == 404
    assert SecurityEvent.objects.filter(kind=Kind.DENIED).count() == 1


def test_a_cell_the_user_sees_but_may_not_administer_is_logged(grid, client_for):
    client = client_for(grid.users["principal"])
    assert client.get(reverse("grids:reassign", args=[grid.cells["class1"].pk])).status_code == 404
    assert SecurityEvent.objects.filter(kind=Kind.DENIED, username="principal").exists()


def test_apps_log_exports_and_imports(grid):
    request = RequestFactory().get("/reports/export/", REMOTE_ADDR="10.9.9.9")
    request.user = grid.users["admin"]
    audit.log(request, audit.EXPORT, "hazards.xlsx, 120 rows")
    event = SecurityEvent.objects.get(kind=Kind.EXPORT)
    assert (event.username, event.school, event.ip, event.detail) == (
        "admin",
        grid.school,
        "10.9.9.9",
        "hazards.xlsx, 120 rows",
    )


def event(grid, kind, school, username, at):
    return SecurityEvent.objects.create(
        kind=kind, school=school, username=username, ip="10.0.0.1", at=at
    )


@pytest.fixture
def events(grid):
    now = timezone.now()
    return {
        "north_old": event(grid, Kind.LOGIN, grid.school, "teacher", now - datetime.timedelta(10)),
        "north_lock": event(grid, Kind.LOCKOUT, grid.school, "guard", now),
        "south": event(grid, Kind.LOGIN, grid.other_school, "outsider", now),
    }


def shown(response):
    return {e.pk for e in response.context["page"]}


def test_the_school_admin_reads_their_school_only(grid, events, client_for):
    response = client_for(grid.users["admin"]).get(reverse("audit:events"))
    assert response.status_code == 200
    assert {events["north_old"].pk, events["north_lock"].pk} <= shown(response)
    assert events["south"].pk not in shown(response)
    assert {e.school for e in response.context["page"]} == {grid.school}
    assert "账号锁定" in response.content.decode()


def test_the_log_filters_by_kind_and_date(grid, events, client_for):
    client = client_for(grid.users["admin"])
    url = reverse("audit:events")
    assert shown(client.get(url, {"kind": Kind.LOCKOUT})) == {events["north_lock"].pk}
    day = (timezone.localdate() - datetime.timedelta(10)).isoformat()
    assert shown(client.get(url, {"since": day, "until": day})) == {events["north_old"].pk}
    today = timezone.localdate().isoformat()
    assert shown(client.get(url, {"username": "teacher"})) == {events["north_old"].pk}
    bad = client.get(url, {"since": today, "until": "2020-01-01"})
    assert "起始日期晚于截止日期" in bad.content.decode()


@pytest.mark.parametrize("persona", ["principal", "manager", "teacher", "guard", "villager"])
def test_nobody_else_reads_the_log(grid, events, client_for, persona):
    assert client_for(grid.users[persona]).get(reverse("audit:events")).status_code == 404


def test_the_log_is_read_only(grid, client_for):
    response = client_for(grid.users["admin"]).post(reverse("audit:events"))
    assert response.status_code == 405


def test_the_log_page_keeps_its_query_count(grid, client_for, django_assert_max_num_queries):
    client = client_for(grid.users["admin"])
    url = reverse("audit:events")
    client.get(url)
    for i in range(60):
        event(grid, Kind.DENIED, grid.school, f"user{i}", timezone.now())
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["page"]) == 50


def test_the_admin_changelist_is_scoped_and_read_only(grid, events, client_for):
    user = grid.users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = client_for(user)
    response = client.get(reverse("admin:audit_securityevent_changelist"))
    assert response.status_code == 200
    shown = {e.pk for e in response.context["cl"].result_list}
    assert events["north_lock"].pk in shown and events["south"].pk not in shown
    change = reverse("admin:audit_securityevent_change", args=[events["north_lock"].pk])
    assert client.post(change, {"kind": "login"}).status_code == 403
    south = reverse("admin:audit_securityevent_change", args=[events["south"].pk])
    assert client.get(south).status_code in (302, 404)
    assert client.get(reverse("admin:audit_securityevent_add")).status_code == 403


def test_the_user_menu_offers_the_log_to_the_school_admin_only(grid, client_for):
    url = reverse("audit:events")
    assert url in client_for(grid.users["admin"]).get(reverse("home")).content.decode()
    assert url not in client_for(grid.users["principal"]).get(reverse("home")).content.decode()
