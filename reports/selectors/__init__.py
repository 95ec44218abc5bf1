"""Reads for the reports: the dashboard and the scorecard (the Excel exports use them too)."""

from .common import covered_hazards, queue_url
from .dashboard import Dashboard, Period, dashboard
from .scorecard import (
    SCORECARD_SOURCES,
    SORT_NAME,
    Column,
    Source,
    scorecard_columns,
    scorecard_rows,
)

__all__ = [
    "SCORECARD_SOURCES",
    "SORT_NAME",
    "Column",
    "Dashboard",
    "Period",
    "Source",
    "covered_hazards",
    "dashboard",
    "queue_url",
    "scorecard_columns",
    "scorecard_rows",
]
