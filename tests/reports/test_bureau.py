"""The education bureau's page: who sees it, its numbers against the hand-counted histories,
its queries, its Excel file and its language."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from grids import access
from grids.models import Bureau, BureauMember
from reports.selectors.bureau import bureau_report

from ..factories import SchoolFactory, UserFactory
from .duty_fixtures import NOW as DUTY_NOW
from .duty_fixtures import build_duty_day
from .fixtures import build_history
from .test_dashboard import T0, _more_hazards

TODAY = timezone.localdate()
BUREAU_URL = reverse("reports:bureau")


def member(bureau, user=None, valid_from=None, valid_to=None):
    user = user or UserFactory()
    BureauMember.objects.create(
        bureau=bureau,
        user=user,
        valid_from=valid_from or datetime.date(2025, 9, 1),  # before every fixture's day
        valid_to=valid_to,
    )
    return user


@pytest.fixture
def county(grid):
    """The county bureau over north and south, its staff, a second bureau over a third school
    with its own staff, and a member whose post ended yesterday."""
    county = Bureau.objects.create(name="County Bureau", code="county")
    grid.school.bureau = county
    grid.school.save(update_fields=["bureau"])
    grid.other_school.bureau = county
    grid.other_school.save(update_fields=["bureau"])
    other = Bureau.objects.create(name="Hill Bureau", code="hill")
    SchoolFactory(code="hill", name="Hill Primary", bureau=other)
    return {
        "bureau": county,
        "other": other,
        "officer": member(county),
        "stranger": member(other),
        "former": member(county, valid_to=TODAY - datetime.timedelta(days=1)),
        "future": member(county, valid_from=TODAY + datetime.timedelta(days=1)),
    }


def detail_url(code):
    return reverse("reports:bureau_detail", args=[code])


def xlsx_url(code):
    return reverse("reports:bureau_xlsx", args=[code])


# Who sees what -----------------------------------------------------------------------------


def test_bureau_staff_see_their_schools_side_by_side(county, client_for):
    client = client_for(county["officer"])
    for url in (BUREAU_URL, detail_url("county")):
        response = client.get(url)
        assert response.status_code == 200
        rows = response.context["report"].rows
        assert [r["school"].code for r in rows] == ["north", "south"]
        html = response.content.decode()
        assert "North Primary" in html and "South Primary" in html
        assert "Hill Primary" not in html
    assert client.get(xlsx_url("county")).status_code == 200


@pytest.mark.parametrize(
    "who", ["principal", "admin", "teacher", "outsider", "stranger", "former", "future"]
)
def test_no_one_else_sees_the_county(county, grid, client_for, who):
    user = county.get(who) or grid.users[who]
    client = client_for(user)
    assert client.get(detail_url("county")).status_code == 404
    assert client.get(xlsx_url("county")).status_code == 404
    assert not access.bureaus_for(user).filter(code="county").exists()


@pytest.mark.parametrize("who", ["principal", "admin", "outsider", "former", "future"])
def test_without_a_bureau_there_is_no_bureau_page(county, grid, client_for, who):
    user = county.get(who) or grid.users[who]
    assert client_for(user).get(BUREAU_URL).status_code == 404


def test_staff_of_another_bureau_see_only_theirs(county, client_for):
    client = client_for(county["stranger"])
    response = client.get(BUREAU_URL)
    assert response.context["report"].bureau == county["other"]
    assert "North Primary" not in response.content.decode()
    assert client.get(detail_url("nonexistent")).status_code == 404


def test_an_ended_or_disabled_login_loses_the_page(county, client_for):
    officer = county["officer"]
    BureauMember.objects.filter(user=officer).update(valid_to=TODAY)
    assert client_for(officer).get(BUREAU_URL).status_code == 404
    BureauMember.objects.filter(user=officer).update(valid_to=None)
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert not access.bureaus_for(officer).exists()


def test_staff_of_several_bureaus_switch_between_them(county, client_for):
    officer = member(county["other"], county["officer"])
    client = client_for(officer)
    response = client.get(BUREAU_URL)
    assert response.context["report"].bureau == county["bureau"]  # the first by name
    assert 'data-testid="bureau-switch"' in response.content.decode()
    assert client.get(detail_url("hill")).context["report"].bureau == county["other"]


def test_bureau_staff_gain_no_reach_into_the_schools(county, grid, client_for, history):
    officer = county["officer"]
    client = client_for(officer)
    hazard = history["hazards"]["A"]
    assert client.get(reverse("hazards:detail", args=[hazard.pk])).status_code == 404
    assert client.get(reverse("grids:cell", args=[grid.cells["root"].pk])).status_code == 404
    assert client.get(reverse("reports:dashboard")).status_code == 404
    assert not access.covered_cells(officer).exists()
    assert not access.visible_cells(officer).exists()
    # No school's name links anywhere for them.
    assert 'data-testid="school-link"' not in client.get(BUREAU_URL).content.decode()


def test_a_school_links_only_where_the_viewers_grid_reaches(county, grid, client_for):
    principal = member(county["bureau"], grid.users["principal"])
    response = client_for(principal).get(BUREAU_URL)
    rows = {r["school"].code: r["reachable"] for r in response.context["report"].rows}
    assert rows == {"north": True, "south": False}
    assert response.content.decode().count('data-testid="school-link"') == 1


def test_the_page_needs_a_login(county, client):
    response = client.get(BUREAU_URL)
    assert response.status_code == 302 and "login" in response.url


def test_the_navigation_and_home_offer_the_page_to_staff_only(county, grid, client_for):
    html = client_for(county["officer"]).get(reverse("home")).content.decode()
    assert 'data-testid="nav-bureau"' in html and 'data-testid="home-bureau"' in html
    html = client_for(grid.users["principal"]).get(reverse("home")).content.decode()
    assert 'data-testid="nav-bureau"' not in html
    member(county["bureau"], grid.users["principal"])
    html = client_for(grid.users["principal"]).get(reverse("home")).content.decode()
    assert 'data-testid="nav-bureau"' in html


def test_the_navigation_flags_stay_one_query(county, grid, django_assert_num_queries):
    from gridsafety.context_processors import _flags

    for user in (county["officer"], grid.users["principal"]):
        access.person_of(user)  # remembered for the request, as the page has it already
        with django_assert_num_queries(1):
            flags = _flags(user)
        assert flags["bureau_staff"] is (user == county["officer"])


# The numbers -----------------------------------------------------------------------------


@pytest.fixture
def history(grid):
    return build_history(grid, T0)


def test_hazard_figures_match_the_hand_count(county, history):
    report = bureau_report(county["officer"], county["bureau"], now=history["now"])
    north, south = (r["values"] for r in report.rows)
    # North (tests/reports/fixtures.py): open D, E, H, I; overdue D, E, H; escalated E;
    # closed this month A, B, C, of which A and C in time (B a week late).
    assert {k: north[k] for k in ("open", "overdue", "escalated", "closed_month")} == {
        "open": 4,
        "overdue": 3,
        "escalated": 1,
        "closed_month": 3,
    }
    assert north["in_time_rate"] == pytest.approx(2 / 3)
    # South: G, never accepted (reported after the fixture's escalation scans ran): open and
    # overdue, not escalated; nothing closed.
    assert {k: south[k] for k in ("open", "overdue", "escalated", "closed_month")} == {
        "open": 1,
        "overdue": 1,
        "escalated": 0,
        "closed_month": 0,
    }
    assert south["in_time_rate"] is None
    assert {k: report.totals[k] for k in ("open", "overdue", "escalated", "closed_month")} == {
        "open": 5,
        "overdue": 4,
        "escalated": 1,
        "closed_month": 3,
    }
    assert report.totals["in_time_rate"] == pytest.approx(2 / 3)


def test_the_closure_rate_counts_the_last_four_weeks(county, history):
    # Read on 12-05: the window starts 11-08, so of A (closed 11-05), C (11-06) and B (11-17,
    # late) only B counts; nothing closed in December yet.
    later = timezone.make_aware(datetime.datetime(2026, 12, 5, 12, 0))
    north = bureau_report(county["officer"], county["bureau"], now=later).rows[0]
    assert (north["counts"]["closed_window"], north["counts"]["closed_in_time"]) == (1, 0)
    assert north["values"]["in_time_rate"] == 0
    assert north["values"]["closed_month"] == 0


@pytest.fixture
def duty_day(grid, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DUTY_NOW)
    return build_duty_day(grid)


def test_duty_figures_match_the_hand_count(county, duty_day):
    report = bureau_report(county["officer"], county["bureau"], now=DUTY_NOW)
    north, south = (r["counts"] for r in report.rows)
    # North on Monday 09-07: today's classroom checks in class1 (done) and class2 (open), the
    # gate patrol (done); found missed today: class2's of 09-04 and the gate's of 09-06.
    assert (north["checks_due"], north["checks_done"], north["checks_missed"]) == (3, 2, 2)
    assert report.rows[0]["values"]["checks_rate"] == pytest.approx(2 / 3)
    # Health: class1 morning and noon, class2 morning, of 2 x 2; south_class morning of 2.
    assert (north["health_done"], north["health_due"]) == (3, 4)
    assert (south["health_done"], south["health_due"]) == (1, 2)
    assert (south["checks_due"], south["checks_missed"]) == (0, 0)
    assert report.rows[1]["values"]["checks_rate"] is None
    assert report.totals["health_rate"] == pytest.approx(4 / 6)


def test_no_morning_check_is_due_on_a_day_off(county, duty_day):
    sunday = DUTY_NOW - datetime.timedelta(days=1)
    report = bureau_report(county["officer"], county["bureau"], now=sunday)
    assert [r["counts"]["health_due"] for r in report.rows] == [0, 0]
    assert [r["values"]["health_rate"] for r in report.rows] == [None, None]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["north", "south"]),
        ("-name", ["south", "north"]),
        ("-open", ["north", "south"]),
        ("open", ["south", "north"]),
        ("-in_time_rate", ["north", "south"]),  # south has none: last either way
        ("in_time_rate", ["north", "south"]),
        ("nonsense", ["north", "south"]),
    ],
)
def test_the_table_sorts_by_any_column(county, client_for, history, sort, order):
    response = client_for(county["officer"]).get(BUREAU_URL, {"sort": sort})
    assert [r["school"].code for r in response.context["report"].rows] == order


def test_the_excel_file_holds_the_table(county, client_for, history):
    response = client_for(county["officer"]).get(xlsx_url("county"), {"sort": "-name"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [row[0] for row in rows] == ["South Primary", "North Primary", "合计"]
    header = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert header[:3] == ["学校", "未销号", "已超期"]


# Queries and language ----------------------------------------------------------------------

QUERIES = 20


def test_query_count_does_not_grow_with_schools(
    county, grid, client_for, history, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(timezone, "now", lambda: DUTY_NOW)
    client = client_for(county["officer"])
    client.get(BUREAU_URL)
    with django_assert_max_num_queries(QUERIES) as few:
        client.get(BUREAU_URL)
    build_duty_day(grid)
    _more_hazards(grid, 60)
    for n in range(12):
        school = SchoolFactory(code=f"extra{n}", name=f"Extra {n}", bureau=county["bureau"])
        assert school.bureau_id == county["bureau"].pk  # a school with nothing is a row too
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(BUREAU_URL)
    assert len(response.context["report"].rows) == 14
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(xlsx_url("county")).status_code == 200


def test_the_page_speaks_chinese(county, client_for, history):
    html = client_for(county["officer"]).get(BUREAU_URL).content.decode()
    for text in ("学校", "未销号", "已超期", "本月销号", "按期销号", "今日晨午检", "合计"):
        assert text in html, text
