"""Fixtures of the roster tests: time travel and two time-bound cells on the test grid."""

import datetime

import pytest
from django.utils import timezone

from grids import services as grid_services
from grids.models import RosterKind

from .roster_helpers import MONDAY


@pytest.fixture
def travel(monkeypatch):
    """Set "today" (the school's local date) to a given day."""

    def to(date: datetime.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date)

    to(MONDAY)
    return to


@pytest.fixture
def duty_cells(grid):
    """Two time-bound cells under the general affairs office (`office` manages them): a duty
    week and holiday duty; no standing holder, so the office is their fallback."""
    cells = {}
    for code, kind in [("duty_week", RosterKind.DUTY_WEEK), ("holiday", RosterKind.HOLIDAY)]:
        cells[code] = grid_services.cell_create(
            school=grid.school,
            parent=grid.cells["general"],
            code=code,
            name=code.replace("_", " ").title(),
            roster_kind=kind,
        )
    south = grid_services.cell_create(
        school=grid.other_school,
        parent=grid.cells["south_l3"],
        code="south_duty",
        name="South duty",
        roster_kind=RosterKind.DUTY_WEEK,
    )
    cells["south_duty"] = south
    for cell in cells.values():
        cell.refresh_from_db()
    grid.cells.update(cells)
    return cells
