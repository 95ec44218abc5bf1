"""The facts the reports read off each hazard (hazards.facts): what the workflow stores in the
step's transaction equals what the bulk recomputation works out from the source rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hazards.facts import recompute_facts
from hazards.models import Hazard, Resolution

from .fixtures import D, H, build_history

T0 = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))  # a Monday, 09:00 Shanghai
FACTS = ("accept_span", "close_span", "resolved", "closed_in_time", "accepted_by")


@pytest.fixture
def history(grid):
    return build_history(grid, T0)


def _facts() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Hazard.objects.values_list("pk", *FACTS)}


def test_the_workflow_stores_the_hand_counted_facts(grid, history):
    h = history["hazards"]
    assert (h["A"].accept_span, h["A"].close_span, h["A"].resolved) == (H, 3 * D, "own")
    assert (h["B"].accept_span, h["B"].close_span, h["B"].resolved) == (
        2 * H,
        14 * D + H,
        "higher",
    )
    assert (h["C"].accept_span, h["C"].close_span, h["C"].resolved) == (
        D + 3 * H,
        4 * D,
        "escalated",
    )
    # Accepted but open, declined, never accepted: no closing facts.
    assert (h["E"].accept_span, h["E"].close_span, h["E"].resolved) == (H, None, "")
    for key in ("F", "D", "I", "H"):
        assert (h[key].accept_span, h[key].close_span, h[key].resolved) == (None, None, "")
    accepted_by = {k: h[k].accepted_by for k in "ABCEFDIH"}
    assert accepted_by == {
        **dict.fromkeys("FDIH"),
        "A": grid.users["teacher"],
        "B": grid.users["manager"],
        "C": grid.users["principal"],
        "E": grid.users["teacher"],
    }
    # B was verified after its rectification deadline; A and C before theirs.
    assert {k: h[k].closed_in_time for k in "ABCEFDIH"} == {k: k in "AC" for k in "ABCEFDIH"}


def test_the_recomputation_gives_what_the_workflow_stored(grid, history):
    stored = _facts()
    assert sum(1 for facts in stored.values() if facts[2]) == 3
    # Wipe them, and put wrong ones where none belong: the recomputation restores them all.
    Hazard.objects.update(
        accept_span=None, close_span=None, resolved="", closed_in_time=False, accepted_by=None
    )
    Hazard.objects.filter(pk=history["hazards"]["D"].pk).update(
        resolved=Resolution.OWN,
        accept_span=datetime.timedelta(days=9),
        closed_in_time=True,
        accepted_by=grid.users["principal"],
    )
    assert _facts() != stored
    assert recompute_facts() == len(stored)
    assert _facts() == stored


def test_the_recomputation_can_be_limited_to_some_hazards(grid, history):
    a, b = history["hazards"]["A"], history["hazards"]["B"]
    Hazard.objects.filter(pk__in=[a.pk, b.pk]).update(close_span=None, resolved="")
    assert recompute_facts(Hazard.objects.filter(pk=a.pk)) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.close_span, a.resolved) == (3 * D, "own")
    assert (b.close_span, b.resolved) == (None, "")


def test_the_queue_filters_closed_hazards_by_the_stored_resolution(grid, client_for, history):
    client = client_for(grid.users["principal"])
    found = {}
    for key in Resolution.values:
        response = client.get(
            reverse("hazards:list"), {"tab": "queue", "status": "closed", "resolved": key}
        )
        assert response.status_code == 200
        found[key] = [h.number for h in response.context["page"]]
    h = history["hazards"]
    assert found == {
        "own": [h["A"].number],
        "higher": [h["B"].number],
        "escalated": [h["C"].number],
    }
