"""The education bureau's page: its schools side by side, and the same table in Excel.

Bureau staff see the aggregates only (`grids.access.bureaus_for`); a school's name links to
the viewer's dashboard only where their own grid reaches into that school.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

import audit
from grids import access

from .exports_views import XLSX
from .selectors import bureau as selectors
from .templatetags.report_tags import percent
from .xlsx import Column, SheetWriter, new_workbook

CHART_SCHOOLS = 15  # the chart shows the schools with the most overdue, then open, hazards


def _sort(request) -> str:
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in selectors.KEYS | {selectors.SORT_NAME}:
        return ""
    return sort


def _chart(report) -> dict:
    rows = sorted(
        (r for r in report.rows if r["counts"]["open"]),
        key=lambda r: (-r["counts"]["overdue"], -r["counts"]["open"], r["school"].name),
    )[:CHART_SCHOOLS]
    return {
        "schools": [r["school"].name for r in rows],
        "in_time": [r["counts"]["open"] - r["counts"]["overdue"] for r in rows],
        "overdue": [r["counts"]["overdue"] for r in rows],
    }


def _page(request, bureau, bureaus):
    sort = _sort(request)
    report = selectors.bureau_report(request.user, bureau, sort=sort)
    for row in report.rows:
        row["cells"] = [(c, row["values"][c.key]) for c in selectors.COLUMNS]
    return render(
        request,
        "reports/bureau.html",
        {
            "report": report,
            "bureaus": bureaus,
            "columns": selectors.COLUMNS,
            "totals": [(c, report.totals[c.key]) for c in selectors.COLUMNS],
            "sort": sort,
            "chart": _chart(report),
            "chart_labels": {"in_time": _("Open, in time"), "overdue": _("Overdue")},
        },
    )


@login_required
def bureau(request):
    """The viewer's education bureau (the first by name, when they are staff of several)."""
    bureaus = list(access.bureaus_for(request.user))
    if not bureaus:
        raise Http404
    return _page(request, bureaus[0], bureaus)


@login_required
def bureau_detail(request, code):
    bureaus = list(access.bureaus_for(request.user))
    found = next((b for b in bureaus if b.code == code), None)
    if found is None:
        # The same 404 as for a bureau that does not exist (the audit log tells them apart).
        access.get_in_reach_or_404(access.bureaus_for(request.user), code=code)
    return _page(request, found, bureaus)


def columns() -> list[Column]:
    return [Column(_("School"), 24)] + [
        Column(str(c.label), 11 if c.rate else 10) for c in selectors.COLUMNS
    ]


def bureau_write(report, workbook) -> int:
    """One row per school in the page's order, then the totals."""
    heading = _("%(bureau)s: schools as of %(date)s") % {
        "bureau": report.bureau.name,
        "date": f"{report.period.today:%Y-%m-%d}",
    }
    sheet = SheetWriter(workbook, _("Schools"), heading, columns())

    def shown(column, value):
        return percent(value) if column.rate else value

    for row in report.rows:
        sheet.append(
            [row["school"].name] + [shown(c, row["values"][c.key]) for c in selectors.COLUMNS]
        )
    sheet.append([_("Total")] + [shown(c, report.totals[c.key]) for c in selectors.COLUMNS])
    return sheet.rows


@login_required
def bureau_xlsx(request, code):
    """The bureau's table as an Excel sheet, sorted as asked."""
    found = access.get_in_reach_or_404(access.bureaus_for(request.user), code=code)
    report = selectors.bureau_report(request.user, found, sort=_sort(request))
    filename = f"{found.code}-{report.period.today:%Y%m%d}.xlsx"
    audit.log(request, audit.EXPORT, filename)
    workbook = new_workbook()
    bureau_write(report, workbook)
    target = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX)
