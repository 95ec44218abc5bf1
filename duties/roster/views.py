import datetime
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

import audit
from grids import access

from ..permissions import plannable_cells
from . import importer, selectors, services
from .forms import ImportForm, RosterForm

SESSION_KEY = "roster_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_AGAIN = gettext_lazy("The preview has expired; upload the file again.")


def _plannable_or_404(user):
    """The time-bound cells of the user's school whose roster they plan; none is a 404."""
    person = access.person_of(user)
    if person is None:
        raise Http404
    cells = plannable_cells(user).filter(school=person.school)
    if not cells.exists():
        raise Http404
    return person.school, cells


def _day(text, default=None):
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError:
        return default


@login_required
def rosters(request):
    """The roster week by week: who is on duty in each time-bound cell, a form to plan,
    replace or cancel days, and the history of every change."""
    school, cells_qs = _plannable_or_404(request.user)
    cells = list(cells_qs)
    today = timezone.localdate()
    week = selectors.week_start(_day(request.GET.get("week"), today))
    picked = _day(request.GET.get("day"))
    initial = {"first": picked or today, "last": picked or today}
    if request.GET.get("cell"):
        initial["cell"] = next((c for c in cells if str(c.pk) == request.GET["cell"]), None)
    form = RosterForm(request.POST or None, cells=cells_qs, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cancel = "cancel" in request.POST
        if not cancel and data["person"] is None:
            form.add_error("person", services.PERSON_REQUIRED)
        else:
            try:
                services.roster_set(
                    cell=data["cell"],
                    person=None if cancel else data["person"],
                    first=data["first"],
                    last=data["last"],
                    note=data["note"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The roster is updated."))
                week_of = selectors.week_start(data["first"]).isoformat()
                return redirect(f"{request.path}?week={week_of}")
    days = [week + datetime.timedelta(days=n) for n in range(7)]
    in_force = selectors.roster_rows(cells, days[0], days[-1])
    history = selectors.roster_history(cells)
    for change in history:
        change.segments = selectors.segments(change.shown_days)
    context = {
        "form": form,
        "today": today,
        "week": week,
        "week_end": days[-1],
        "previous_week": week - datetime.timedelta(days=7),
        "next_week": week + datetime.timedelta(days=7),
        "table": [
            {"cell": cell, "days": [(day, in_force.get((cell.pk, day))) for day in days]}
            for cell in cells
        ],
        "history": history,
    }
    return render(request, "duties/rosters.html", context)


@login_required
@require_GET
def roster_template(request):
    _school, cells = _plannable_or_404(request.user)
    example = access.person_of(request.user)
    content = importer.template_workbook(list(cells), example)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
def roster_import(request):
    """Upload a roster file, see every problem or what it would change, then confirm: all
    rows are applied in one transaction, or none."""
    school, cells_qs = _plannable_or_404(request.user)
    cells = list(cells_qs)
    today = timezone.localdate()
    form = ImportForm()
    context = {"form": form}
    if request.method == "POST" and "confirm" in request.POST:
        stored = request.session.get(SESSION_KEY)
        if not stored or stored["token"] != request.POST.get("token"):
            messages.warning(request, UPLOAD_AGAIN)
            return redirect(request.path)
        preview, change = importer.import_apply(
            rows=stored["rows"],
            school=school,
            cells=cells,
            actor=request.user,
            file_name=stored["file_name"],
            today=today,
        )
        if preview.ok:
            del request.session[SESSION_KEY]
            audit.log(request, audit.IMPORT, stored["file_name"])
            if change is None:
                messages.info(
                    request, _("Nothing changed: the roster already says what the file says.")
                )
            else:
                messages.success(
                    request, _("Imported: %(count)d days changed.") % {"count": change.days.count()}
                )
            return redirect("duties:rosters")
        context.update(preview=preview, file_name=stored["file_name"])
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = importer.read_rows(upload)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                preview = importer.check_rows(rows, school=school, cells=cells, today=today)
                token = hashlib.sha256(repr(rows).encode()).hexdigest()
                if preview.ok:
                    request.session[SESSION_KEY] = {
                        "token": token,
                        "file_name": upload.name,
                        "rows": rows,
                    }
                context.update(preview=preview, token=token, file_name=upload.name)
    context["template_url"] = reverse("duties:roster_template")
    return render(request, "duties/roster_import.html", context)
