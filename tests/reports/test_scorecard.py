"""The scorecard: per cell and per person, counted by hand; sorting; the page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import selectors
from reports.forms import END_BEFORE_START

from .fixtures import build_history

T0 = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))
NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
KEYS = ["reported", "accepted_in_time", "closed_in_time", "late", "escalated"]


@pytest.fixture
def history(grid):
    return build_history(grid, T0)


def table(grid, history, who="principal", by="cell", sort="", period=NOVEMBER):
    rows = selectors.scorecard_rows(grid.users[who], *period, by=by, sort=sort, now=history["now"])
    return {r["name"]: [r["values"][k] for k in KEYS] for r in rows}, rows


def test_per_cell(grid, history):
    values, rows = table(grid, history)
    assert values["Class1"] == [2, 1, 1, 0, 0]  # A in time; F declined
    assert values["Class2"] == [2, 1, 0, 1, 0]  # B closed late; I not yet due
    assert values["Gate"] == [1, 0, 1, 1, 1]  # C accepted late after escalation (H is August)
    assert values["Canteen"] == [1, 0, 0, 1, 0]  # D past its acceptance deadline
    assert values["Road"] == [1, 1, 0, 1, 1]  # E overdue, escalated
    assert values["Root"] == [0, 0, 0, 0, 0]  # every covered cell has a row
    assert len(rows) == 13 and "South_Class" not in values


def test_per_person(grid, history):
    values, _rows = table(grid, history, by="person")
    assert values["Teacher"] == [2, 2, 1, 0, 0]  # reported A F; accepted A E; A in time
    assert values["Teacher2"] == [2, 0, 0, 1, 0]  # reported B I; B late
    assert values["Manager"] == [0, 1, 0, 0, 0]  # accepted B in time
    assert values["Principal"] == [0, 0, 0, 0, 0]  # accepted C, late
    assert values["Guard"] == [1, 0, 1, 0, 1]  # C: closed in time, escalated before
    assert values["Villager"] == [1, 0, 0, 1, 1]  # E
    assert values["Office"] == [1, 0, 0, 0, 0]  # D


def test_the_period_bounds_are_local_days(grid, history):
    values, _ = table(
        grid, history, period=(datetime.date(2026, 11, 3), datetime.date(2026, 11, 3))
    )
    assert values["Class2"][0] == 1  # B, reported 3 Nov 09:00
    assert sum(v[0] for v in values.values()) == 1
    values, _ = table(grid, history, period=(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31)))
    assert values["Gate"][0] == 1  # H


def test_a_manager_sees_only_their_area(grid, history):
    values, _ = table(grid, history, who="manager")
    assert set(values) == {"Teaching", "Grade1", "Class1", "Class2"}
    values, _ = table(grid, history, who="manager", by="person")
    assert "Guard" not in values and values["Teacher2"][0] == 2


@pytest.mark.parametrize(
    ("sort", "first"),
    [("-reported", "Class1"), ("-late", "Canteen"), ("-escalated", "Gate"), ("name", "Canteen")],
)
def test_sorting(grid, history, sort, first):
    """Descending by the figure, ties in tree order (logistics sorts before teaching)."""
    _values, rows = table(grid, history, sort=sort)
    assert rows[0]["name"] == first
    key = sort.lstrip("-")
    if key in KEYS:
        figures = [r["values"][key] for r in rows]
        assert figures == sorted(figures, reverse=True)


def test_ascending_and_ties_keep_tree_order(grid, history):
    _values, rows = table(grid, history, sort="reported")
    assert [r["values"]["reported"] for r in rows][-3:] == [1, 2, 2]
    assert [r["name"] for r in rows][-2:] == ["Class1", "Class2"]


def test_the_page_sorts_and_keeps_the_period(grid, client_for, history):
    client = client_for(grid.users["principal"])
    url = reverse("reports:scorecard")
    response = client.get(url, {"start": "2026-11-01", "end": "2026-11-30", "sort": "-late"})
    assert response.status_code == 200
    names = [r["name"] for r in response.context["page"]]
    assert names[0] in {"Class2", "Gate", "Canteen", "Road"}
    html = response.content.decode()
    assert "sort=late" in html  # the active column's header flips the order
    assert "start=2026-11-01" in html
    response = client.get(url, {"by": "person", "sort": "-reported", "start": "2026-11-01"})
    assert response.context["period"]["by"] == "person"
    assert [r["name"] for r in response.context["page"]][:2] == ["Teacher", "Teacher2"]


def test_a_bad_period_is_explained(grid, client_for, history):
    client = client_for(grid.users["principal"])
    response = client.get(
        reverse("reports:scorecard"), {"start": "2026-11-30", "end": "2026-11-01"}
    )
    assert response.status_code == 200
    assert str(END_BEFORE_START) in response.context["form"].non_field_errors()
    assert response.context["period"]["start"] == timezone.localdate().replace(day=1)
    response = client.get(reverse("reports:scorecard"), {"start": "yesterday", "sort": "evil"})
    assert response.status_code == 200 and response.context["sort"] == ""


def test_an_outsider_scores_their_own_school_only(grid, history):
    values, _ = table(grid, history, who="outsider")
    assert values["South_Class"][0] == 1
    assert "Class1" not in values


def test_scorecard_queries_do_not_grow(grid, client_for, history, django_assert_max_num_queries):
    client = client_for(grid.users["principal"])
    url = reverse("reports:scorecard") + "?by=person&start=2026-01-01&end=2026-12-31"
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    build_history(grid, T0 - datetime.timedelta(weeks=20))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["page"][0]["values"]["reported"] >= 0
