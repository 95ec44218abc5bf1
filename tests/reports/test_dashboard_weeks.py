"""The dashboard's weeks are the school's local weeks: a hazard at Sunday 23:30 in Shanghai
(15:30 UTC, already Monday's date nowhere) belongs to that week, one at Monday 00:10 to the
next; before the window's first Monday it is not counted at all. The weeks are worked out by
comparisons with local midnights, so the edges are where the tests look."""

import datetime

from django.utils import timezone

from reports import selectors

from .fixtures import _accept, _report, _submit, _verify

MONDAY = timezone.make_aware(datetime.datetime(2026, 11, 16, 0, 0))  # Shanghai midnight
NOW = MONDAY + datetime.timedelta(days=2, hours=12)
MINUTE = datetime.timedelta(minutes=1)


def test_reports_and_closures_fall_in_their_local_week(grid):
    before = _report(grid, "W1", "class1", "teacher", "fire", MONDAY - 30 * MINUTE)
    _report(grid, "W2", "class1", "teacher", "fire", MONDAY + 10 * MINUTE)
    window_start = MONDAY - datetime.timedelta(weeks=11)
    _report(grid, "W0", "class1", "teacher", "fire", window_start - MINUTE)  # outside
    _report(grid, "W3", "class1", "teacher", "fire", window_start)  # the first week
    _accept(grid, before, "teacher", "teacher", MONDAY - 20 * MINUTE)
    _submit(grid, before, "teacher", MONDAY - 10 * MINUTE)
    _verify(grid, before, "manager", MONDAY - MINUTE)  # closed on Sunday 23:59

    board = selectors.dashboard(grid.users["principal"], now=NOW)
    trend = board.charts["trend"]
    assert trend["weeks"][0] == window_start.date().isoformat()
    assert trend["reported"][0] == 1  # W3; W0 is a minute too early
    assert trend["reported"][-2:] == [1, 1]  # W1 on Sunday night, W2 on Monday
    assert trend["closed"][-2:] == [1, 0]
    assert board.closed_week.value == 0
    assert board.closed_month.value == 1
    assert board.funnel[0]["count"] == 3
    assert board.median_close == 29 * MINUTE
