"""The import page: templates to download, upload and preview, then confirm.

The preview stores the checked upload under MEDIA_ROOT/imports/ with a random name kept in
the session; the confirmation imports that same file (checked again) and deletes it.
"""

import tempfile
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

import audit
from grids import access
from grids.permissions import viewer_school_or_404
from gridsafety.xlsx import UNREADABLE, XlsxRejected, open_workbook

from . import imports, imports_sheets
from .imports_forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "reports_import"
EXPIRED = "expired"


def _admin_school_or_404(user):
    """Only a school's admins import, and only into their school."""
    school = viewer_school_or_404(user)
    if not access.is_school_admin(user, school):
        raise Http404
    return school


def _check(school, user, upload, dry_run):
    """Open the upload safely and run the import; a refused file is one problem."""
    try:
        workbook = open_workbook(upload, max_bytes=settings.REPORTS_IMPORT_MAX_BYTES)
    except XlsxRejected as refused:
        return imports.Result(problems=[imports_sheets.Problem("", 0, "", refused.messages[0])])
    try:
        sheets, problems = imports_sheets.workbook_sheets(workbook)
    except Exception:  # a sheet that parses as XML but not as a table
        return imports.Result(problems=[imports_sheets.Problem("", 0, "", str(UNREADABLE))])
    finally:
        workbook.close()
    if problems:
        return imports.Result(problems=problems)
    return imports.import_run(school=school, sheets=sheets, actor=user, dry_run=dry_run)


def _render(request, form, result=None, status=200):
    context = {
        "form": form,
        "result": result,
        "problems": imports.problems_by_sheet(result.problems) if result else {},
        "templates": [("people", _("People")), ("grid", _("Grid cells and assignments"))],
    }
    return render(request, "reports/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    school = _admin_school_or_404(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return _render(request, form)
    if not form.is_valid():
        return _render(request, form, status=400)
    upload = form.cleaned_data["file"]
    result = _check(school, request.user, upload, dry_run=True)
    if result.ok:
        upload.seek(0)
        name = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", File(upload))
        _forget(request)
        request.session[SESSION_KEY] = {"name": name, "school": school.pk}
    return _render(request, form, result, status=200 if result.ok else 400)


@login_required
@require_POST
def import_confirm(request):
    school = _admin_school_or_404(request.user)
    pending = request.session.get(SESSION_KEY)
    if not pending or pending["school"] != school.pk or not default_storage.exists(pending["name"]):
        messages.error(request, _("Nothing is waiting to be imported; upload the file again."))
        return redirect("reports:import")
    with default_storage.open(pending["name"], "rb") as stored:
        result = _check(school, request.user, stored, dry_run=False)
    _forget(request)
    if not result.applied:
        return _render(request, ImportForm(), result, status=400)
    audit.log(request, audit.IMPORT, _("People and grid import"))
    messages.success(request, _("The import is done."))
    return _render(request, ImportForm(), result)


def _forget(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["name"])


@login_required
def import_template(request, kind):
    _admin_school_or_404(request.user)
    if kind not in imports_sheets.TEMPLATES:
        raise Http404
    target = tempfile.TemporaryFile(suffix=".xlsx")
    imports_sheets.template_write(kind, target)
    target.seek(0)
    label = _("People import template") if kind == "people" else _("Grid import template")
    return FileResponse(target, as_attachment=True, filename=f"{label}.xlsx", content_type=XLSX)
