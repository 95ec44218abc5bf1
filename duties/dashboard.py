"""The duties app's panels on the reports dashboard: today's morning and noon check, today's
recurring checks and who is on duty, each scoped to what the viewer covers and a fixed number
of queries. Registered in `reports.views.DASHBOARD_PANELS` by `DutiesConfig.ready`."""

from django.urls import reverse

from grids import access

from .checks import selectors as checks
from .checks.permissions import managed_runs
from .health import selectors as health
from .health.permissions import overseen_class_ids
from .permissions import plannable_cells
from .roster.selectors import on_duty_today


def health_panel(user, period) -> dict | None:
    """Today's completion of the classes under the viewer's cells: counted in SQL (three
    queries), never a row per class."""
    summary = health.panel(overseen_class_ids(user), period.today)
    if summary is None:
        return None
    return {"summary": summary, "url": reverse("duties:health_summary")}


def checks_panel(user, period) -> dict | None:
    """Today's recurring checks in the cells the viewer covers, and the misses found today;
    no panel for whoever covers no cell with a check. Today's figures come first: a check due
    or missed today settles that, so only a viewer with neither asks whether any exists."""
    today = checks.managed_today(user, period.today)
    if not (today["due"] or today["missed_count"]) and not managed_runs(user).exists():
        return None
    return {**today, "url": reverse("duties:today")}


def on_duty_panel(user, period) -> dict | None:
    """Who is on duty today in the time-bound cells the viewer covers (up to three queries)."""
    person = access.person_of(user)
    if person is None:
        return None
    rows = on_duty_today(person.school, period.today)
    covered = set()
    if rows:
        covered = set(
            access.covered_cells(user)
            .filter(pk__in={row.cell_id for row in rows})
            .values_list("pk", flat=True)
        )
    shown = [row for row in rows if row.cell_id in covered]
    plans = plannable_cells(user).filter(school=person.school).exists()
    if not shown and not plans:
        return None
    return {
        "rows": shown,
        "url": reverse("duties:rosters") if plans else "",
        "person": person,
    }


PANELS = [
    ("duties/dashboard/_health.html", health_panel),
    ("duties/dashboard/_checks.html", checks_panel),
    ("duties/dashboard/_on_duty.html", on_duty_panel),
]


def register(panels: list) -> None:
    """Add the duties panels to the dashboard's list, once."""
    for panel in PANELS:
        if panel not in panels:
            panels.append(panel)
