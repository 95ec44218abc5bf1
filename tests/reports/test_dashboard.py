"""The dashboard's numbers against a history checked by hand, its scope, and its links."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from hazards.models import Hazard
from reports import selectors

from .fixtures import build_history

T0 = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))  # a Monday, 09:00 Shanghai


@pytest.fixture
def history(grid):
    return build_history(grid, T0)


def board_for(grid, history, who="principal"):
    return selectors.dashboard(grid.users[who], now=history["now"])


def test_the_period_is_local_weeks_and_months(history):
    period = selectors.Period.at(history["now"])
    assert period.today == datetime.date(2026, 11, 18)
    assert period.week_start == datetime.date(2026, 11, 16)
    assert period.month_start == datetime.date(2026, 11, 1)
    assert period.window_start == datetime.date(2026, 8, 31)  # 12 Mondays including this one
    # 23:30 UTC on Sunday is already Monday in Shanghai: a new week there.
    late = datetime.datetime(2026, 11, 22, 16, 30, tzinfo=datetime.UTC)
    assert selectors.Period.at(late).week_start == datetime.date(2026, 11, 23)


def test_principal_numbers_match_the_hand_count(grid, history):
    board = board_for(grid, history)
    assert board.open.value == 4  # D, E, H, I
    assert board.overdue.value == 3  # D (acceptance), E (rectification), H
    assert board.escalated.value == 1  # E; C was escalated but is closed
    assert board.closed_week.value == 1  # B
    assert board.closed_month.value == 3  # A, B, C
    assert board.closed.value == 3
    assert board.closed_in_time.value == 2  # A, C; B closed a week late
    assert board.in_time_rate == pytest.approx(2 / 3)
    # To accept: A 1 h, E 1 h, B 2 h, C 27 h: the middle two average 1.5 h.
    assert board.median_accept == datetime.timedelta(hours=1, minutes=30)
    # To close: A 3 d, C 4 d, B 14 d 1 h.
    assert board.median_close == datetime.timedelta(days=4)
    assert [(s["key"], s["count"]) for s in board.funnel] == [
        ("reported", 7),  # A B C D E F I (H is older than the window, G another school)
        ("accepted", 4),
        ("submitted", 3),
        ("closed", 3),
    ]
    assert {r["key"]: r["count"] for r in board.resolution} == {
        "own": 1,  # A: accepted by class1's own manager
        "higher": 1,  # B: accepted by the teaching manager above class2
        "escalated": 1,  # C
    }
    assert board.lowest_level_share == pytest.approx(1 / 3)


def test_principal_charts_match_the_hand_count(grid, history):
    charts = board_for(grid, history).charts
    assert {c["name"]: c["value"] for c in charts["categories"]} == {"消防": 5, "用电": 2}
    areas = {a["name"]: (a["open"], a["overdue"]) for a in charts["areas"]}
    assert areas == {"Teaching": (1, 0), "Logistics": (2, 2), "Outside": (1, 1)}
    trend = charts["trend"]
    assert len(trend["weeks"]) == 12 and trend["weeks"][-1] == "2026-11-16"
    assert trend["reported"][-3:] == [3, 2, 2]  # weeks of Nov 2, 9, 16
    assert trend["closed"][-3:] == [2, 0, 1]
    assert sum(trend["reported"]) == 7


def test_cells_with_the_most_open_hazards(grid, history):
    rows = board_for(grid, history).top_cells
    names = [r["cell"]["name"] for r in rows]
    assert set(names) == {"Gate", "Canteen", "Road", "Class2"}
    assert names[-1] == "Class2"  # the only one without an overdue hazard
    road = next(r for r in rows if r["cell"]["name"] == "Road")
    assert (road["open"], road["overdue"], road["escalated"]) == (1, 1, 1)


def test_a_level_2_manager_counts_only_their_area(grid, history):
    board = board_for(grid, history, "manager")
    assert board.open.value == 1  # I
    assert board.overdue.value == 0
    assert board.closed_month.value == 2  # A, B
    assert board.funnel[0]["count"] == 4  # A B F I
    assert {r["key"]: r["count"] for r in board.resolution} == {
        "own": 1,
        "higher": 1,
        "escalated": 0,
    }
    # Their areas are the cells one level below theirs.
    assert [a["name"] for a in board.charts["areas"]] == ["Grade1"]


def test_a_teacher_sees_their_cells(grid, history):
    board = board_for(grid, history, "teacher")  # class1, and road as its liaison manager
    assert board.funnel[0]["count"] == 3  # A F E
    assert (board.open.value, board.overdue.value, board.escalated.value) == (1, 1, 1)
    assert {a["name"] for a in board.charts["areas"]} == {"Class1", "Road"}


def test_the_other_school_sees_none_of_this_one(grid, history):
    board = board_for(grid, history, "outsider")
    assert board.funnel[0]["count"] == 1  # G only
    assert board.open.value == 1
    assert [c["cell"]["name"] for c in board.top_cells] == ["South_Class"]


@pytest.mark.parametrize("who", ["villager", "admin"])
def test_who_covers_no_cell_gets_no_dashboard(grid, client_for, who):
    client = client_for(grid.users[who])
    assert client.get(reverse("reports:dashboard")).status_code == 404
    assert client.get(reverse("reports:scorecard")).status_code == 404


def test_the_page_needs_a_login(client):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def _urls(board):
    urls = [
        (board.open.value, board.open.url),
        (board.overdue.value, board.overdue.url),
        (board.escalated.value, board.escalated.url),
        (board.closed_week.value, board.closed_week.url),
        (board.closed_month.value, board.closed_month.url),
        (board.closed.value, board.closed.url),
        (board.closed_in_time.value, board.closed_in_time.url),
        (board.funnel[1]["count"], board.median_accept_url),
        (board.closed.value, board.median_close_url),
    ]
    urls += [(s["count"], s["url"]) for s in board.funnel]
    urls += [(r["count"], r["url"]) for r in board.resolution]
    urls += [(c["value"], c["url"]) for c in board.charts["categories"]]
    for area in board.charts["areas"]:
        urls += [(area["open"], area["url"]), (area["overdue"], area["overdue_url"])]
    trend = board.charts["trend"]
    urls += list(zip(trend["reported"], trend["reported_urls"], strict=True))
    urls += list(zip(trend["closed"], trend["closed_urls"], strict=True))
    for row in board.top_cells:
        urls += [
            (row["open"], row["url"]),
            (row["overdue"], row["overdue_url"]),
            (row["escalated"], row["escalated_url"]),
        ]
    return urls


@pytest.mark.parametrize("who", ["principal", "manager", "teacher"])
def test_every_number_links_to_a_list_of_that_many(grid, client_for, who):
    # Today's history, so the links' "now" (the queue's) is the dashboard's.
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 21)
    t0 = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    build_history(grid, t0)
    client = client_for(grid.users[who])
    board = client.get(reverse("reports:dashboard")).context["board"]
    urls = _urls(board)
    assert sum(n for n, _ in urls) > 10  # the history is inside the window
    for number, url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["page"].paginator.count == number, url


def test_the_queue_shows_the_dashboard_filters_as_chips(grid, client_for, history):
    client = client_for(grid.users["principal"])
    board = board_for(grid, history)
    url = next(r["url"] for r in board.resolution if r["key"] == "own")
    response = client.get(url)
    chips = response.context["filter_chips"]
    assert [c["name"] for c in chips] == ["resolved"]
    assert "resolved" not in parse_qs(urlparse("?" + chips[0]["without"]).query)
    assert response.context["page"].paginator.count == 1


def test_the_page_renders_its_charts_data(grid, client_for, history):
    response = client_for(grid.users["principal"]).get(reverse("reports:dashboard"))
    html = response.content.decode()
    assert 'id="dashboard-data"' in html and 'id="dashboard-labels"' in html
    assert "echarts.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html  # no inline script: data goes in json_script only
    assert response.context["board"].funnel[0]["count"] >= 0


def _more_hazards(grid, n):
    """n more open hazards in every kind of state, written in bulk."""
    first = Hazard.objects.filter(school=grid.school).first()
    now = timezone.now()
    cells = [grid.cells[c] for c in ("class1", "class2", "gate", "canteen", "road")]
    Hazard.objects.bulk_create(
        [
            Hazard(
                school=grid.school,
                number=f"BULK-{i}",
                cell=cells[i % len(cells)],
                category=first.category,
                severity="general",
                description="bulk",
                status=["reported", "rectifying", "closed"][i % 3],
                reported_at=now - datetime.timedelta(days=i % 80),
                accept_due_at=now - datetime.timedelta(hours=i % 7),
                accepted_at=now - datetime.timedelta(days=i % 70) if i % 3 else None,
                rectify_due_at=now + datetime.timedelta(days=1) if i % 3 else None,
                closed_at=now - datetime.timedelta(days=i % 20) if i % 3 == 2 else None,
                escalation_level=i % 2,
            )
            for i in range(n)
        ]
    )


def test_query_count_does_not_grow_with_hazards(
    grid, client_for, history, django_assert_max_num_queries
):
    client = client_for(grid.users["principal"])
    url = reverse("reports:dashboard")
    client.get(url)
    with django_assert_max_num_queries(QUERIES) as few:
        client.get(url)
    _more_hazards(grid, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["board"].open.value > 300 // 3


# The board's own queries, the duties' panels with nothing to show (four; with data, see
# tests/reports/test_panels.py) and the navigation's flags.
QUERIES = 22


@pytest.mark.parametrize("extra", [40, 41])
def test_the_medians_are_those_of_the_windows_stored_spans(grid, history, extra):
    """Both medians come from one read of the window: the same as a recomputation over the
    stored spans of the hazards the principal covers, with an odd and an even count."""
    import statistics

    from hazards.facts import recompute_facts

    _more_hazards(grid, extra)
    bulk = Hazard.objects.filter(number__startswith="BULK-")
    recompute_facts(bulk)  # written without the workflow: their spans from the source rows
    board = board_for(grid, history)
    window = selectors.covered_hazards(grid.users["principal"]).filter(
        reported_at__gte=timezone.make_aware(
            datetime.datetime.combine(board.period.window_start, datetime.time.min)
        )
    )
    accept = list(window.exclude(accept_span=None).values_list("accept_span", flat=True))
    close = list(window.exclude(close_span=None).values_list("close_span", flat=True))
    assert len(accept) > 10 and len(close) > 10
    assert board.median_accept == statistics.median(accept)
    assert board.median_close == statistics.median(close)
    assert (board.funnel[1]["count"], board.closed.value) == (len(accept), len(close))
