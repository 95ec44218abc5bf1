"""The exports page, the two exports, and the download of background-built files."""

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

from . import exports
from .exports_forms import LedgerForm
from .models import ExportKind, ExportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger_form(request, data=None):
    cells = access.visible_cells(request.user).order_by("tree_id", "lft")
    return LedgerForm(data, cells=cells)


def _context(request, ledger_form=None):
    mine = exports.exports_of(request.user)[:20]
    return {
        "ledger_form": ledger_form or _ledger_form(request),
        "exports": mine,
        "polling": any(not export.is_finished for export in mine),
        "threshold": settings.REPORTS_EXPORT_ASYNC_ROWS,
    }


@login_required
def export_page(request):
    school = viewer_school_or_404(request.user)
    context = _context(request) | {"can_import": access.is_school_admin(request.user, school)}
    return render(request, "reports/exports.html", context)


@login_required
def export_list(request):
    """The 'my exports' table alone, for htmx to poll while a build runs."""
    return render(request, "reports/_exports_table.html", _context(request))


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
        return render(request, "reports/exports.html", _context(request, form), status=400)
    spec = exports.Spec(
        kind=ExportKind.LEDGER,
        user=request.user,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        cell=form.cleaned_data["cell"],
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
