from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from grids import access

from . import selectors
from .forms import ScorecardForm

SCORECARD_PAGE_SIZE = 50

# Panels other apps add to the dashboard (today's morning/noon checks, who is on duty): a
# template and a function (user, period) -> its context, or None to leave the panel out.
DASHBOARD_PANELS: list[tuple[str, Callable]] = []


def _chart_labels() -> dict:
    return {
        "reported": _("Reported"),
        "closed": _("Closed"),
        "open": _("Open"),
        "overdue": _("Overdue"),
        "hazards": _("Hazards"),
        "directly": _("(itself)"),
        "weekOf": _("Week of"),
        "funnel": {
            "reported": _("Reported"),
            "accepted": _("Accepted"),
            "submitted": _("Rectified"),
            "closed": _("Verified and closed"),
        },
    }


@login_required
def dashboard(request):
    """The state of everything the viewer covers, every number a link to its list."""
    if not access.reach(request.user):
        raise Http404
    board = selectors.dashboard(request.user)
    panels = []
    for template, build in DASHBOARD_PANELS:
        context = build(request.user, board.period)
        if context is not None:
            panels.append({"template": template, "context": context})
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "charts": board.charts,
            "chart_labels": _chart_labels(),
            "panels": panels,
            "person": access.person_of(request.user),
        },
    )


@login_required
def scorecard(request):
    """Per cell or per person, for a period: the record the school is assessed on."""
    if not access.reach(request.user):
        raise Http404
    # The form is always bound, to this month unless asked otherwise, so it shows the period.
    defaults = ScorecardForm.defaults()
    form = ScorecardForm({**{k: str(v) for k, v in defaults.items()}, **request.GET.dict()})
    period = form.cleaned_data if form.is_valid() else defaults
    columns = selectors.scorecard_columns()
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in {c.key for c in columns} | {selectors.SORT_NAME}:
        sort = ""
    rows = selectors.scorecard_rows(
        request.user, period["start"], period["end"], by=period["by"], sort=sort
    )
    page = Paginator(rows, SCORECARD_PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row["cells"] = [row["values"][c.key] for c in columns]
    query = request.GET.copy()
    for name in ("sort", "page"):
        query.pop(name, None)
    return render(
        request,
        "reports/scorecard.html",
        {
            "form": form,
            "period": period,
            "columns": columns,
            "page": page,
            "sort": sort,
            "query": query.urlencode(),
            "total_cells": [sum(r["values"][c.key] for r in rows) for c in columns],
        },
    )
