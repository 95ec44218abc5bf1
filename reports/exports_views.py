"""The exports page, the exports, and the download of background-built files."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import audit
from grids import access
from grids.permissions import viewer_school_or_404

from . import exports, exports_duties
from .exports_forms import LedgerForm
from .forms import ScorecardForm
from .models import ExportKind, ExportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger_form(request, data=None):
    cells = access.visible_cells(request.user).order_by("tree_id", "lft")
    return LedgerForm(data, cells=cells)


def _checks_form(request, data=None):
    cells = exports_duties.check_cells(request.user).order_by("tree_id", "lft")
    return LedgerForm(data, cells=cells, prefix="checks")


def _roster_form(request, data=None):
    return LedgerForm(data, cells=exports_duties.roster_cells(request.user), prefix="roster")


def _table_context(request):
    mine = exports.exports_of(request.user)[:20]
    return {
        "exports": mine,
        "polling": any(not export.is_finished for export in mine),
        "threshold": settings.REPORTS_EXPORT_ASYNC_ROWS,
    }


def _context(request, **forms):
    """The page's context; `forms` replaces a form by a bound one showing its errors. The
    duties' cards show only to those who may see the matching page."""
    checks_form = forms.get("checks_form") or _checks_form(request)
    roster_form = forms.get("roster_form") or _roster_form(request)
    may_score = access.covered_cells(request.user).exists()
    return {
        "ledger_form": forms.get("ledger_form") or _ledger_form(request),
        "checks_form": checks_form if checks_form.fields["cell"].queryset.exists() else None,
        "roster_form": roster_form if roster_form.fields["cell"].queryset.exists() else None,
        "scorecard_form": (
            forms.get("scorecard_form") or ScorecardForm(initial=ScorecardForm.defaults())
        )
        if may_score
        else None,
    } | _table_context(request)


@login_required
def export_page(request):
    school = viewer_school_or_404(request.user)
    context = _context(request) | {"can_import": access.is_school_admin(request.user, school)}
    return render(request, "reports/exports.html", context)


@login_required
def export_list(request):
    """The 'my exports' table alone, for htmx to poll while a build runs."""
    return render(request, "reports/_exports_table.html", _table_context(request))


def _deliver(request, spec):
    """A direct download below the threshold; above it, a background build and a message."""
    audit.log(request, audit.EXPORT, spec.filename())
    if spec.count() > settings.REPORTS_EXPORT_ASYNC_ROWS:
        exports.export_request(spec)
        messages.info(
            request,
            _("The export is large; it is being built. It will appear below when it is ready."),
        )
        return redirect("reports:exports")
    return FileResponse(
        exports.export_build_now(spec),
        as_attachment=True,
        filename=spec.filename(),
        content_type=XLSX,
    )


@login_required
@require_POST
def export_accountability(request):
    viewer_school_or_404(request.user)
    spec = exports.Spec(kind=ExportKind.ACCOUNTABILITY, user=request.user)
    return _deliver(request, spec)


@login_required
@require_POST
def export_ledger(request):
    viewer_school_or_404(request.user)
    cell_id = request.POST.get("cell")
    if cell_id and not (
        cell_id.isdigit() and access.visible_cells(request.user).filter(pk=cell_id).exists()
    ):
        raise Http404  # another school's cell, or one out of reach: as if it did not exist
    form = _ledger_form(request, request.POST)
    if not form.is_valid():
        context = _context(request, ledger_form=form)
        return render(request, "reports/exports.html", context, status=400)
    spec = exports.Spec(
        kind=ExportKind.LEDGER,
        user=request.user,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        cell=form.cleaned_data["cell"],
    )
    return _deliver(request, spec)


def _cell_or_404(request, cells, name):
    """The posted subtree among `cells`; anything else is a 404, as if it did not exist."""
    cell_id = request.POST.get(name)
    if cell_id and not (cell_id.isdigit() and cells.filter(pk=cell_id).exists()):
        raise Http404


@login_required
@require_POST
def export_checks(request):
    """The recurring checks of the cells the user covers, as on the managers' checks page."""
    cells = exports_duties.check_cells(request.user)
    return _export_dated(request, ExportKind.CHECKS, cells, "checks", _checks_form)


@login_required
@require_POST
def export_roster(request):
    """The roster of the cells the user plans, as on the roster page (else a 404)."""
    cells = exports_duties.roster_cells(request.user)
    return _export_dated(request, ExportKind.ROSTER, cells, "roster", _roster_form)


def _export_dated(request, kind, cells, prefix, make_form):
    """An export of a date range and, optionally, one subtree among `cells` (the form's
    fields carry `prefix`); no such cells, or a subtree outside them, is a 404."""
    viewer_school_or_404(request.user)
    if not cells.exists():
        raise Http404
    _cell_or_404(request, cells, f"{prefix}-cell")
    form = make_form(request, request.POST)
    if not form.is_valid():
        context = _context(request, **{f"{prefix}_form": form})
        return render(request, "reports/exports.html", context, status=400)
    spec = exports.Spec(
        kind=kind,
        user=request.user,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        cell=form.cleaned_data["cell"],
    )
    return _deliver(request, spec)


@login_required
@require_POST
def export_scorecard(request):
    """The scorecard for the filters and sort the scorecard page shows (else a 404)."""
    viewer_school_or_404(request.user)
    if not access.covered_cells(request.user).exists():
        raise Http404
    form = ScorecardForm(request.POST)
    if not form.is_valid():
        context = _context(request, scorecard_form=form)
        return render(request, "reports/exports.html", context, status=400)
    spec = exports.Spec(
        kind=ExportKind.SCORECARD,
        user=request.user,
        date_from=form.cleaned_data["start"],
        date_to=form.cleaned_data["end"],
        extra={"by": form.cleaned_data["by"], "sort": request.POST.get("sort", "")[:40]},
    )
    return _deliver(request, spec)


@login_required
def export_download(request, pk):
    """A background-built file, for the user who asked for it only."""
    export = get_object_or_404(exports.exports_of(request.user), pk=pk, status=ExportStatus.DONE)
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=XLSX
    )
    response["Cache-Control"] = "private, no-store"
    return response
