from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions, selectors, services
from .forms import CheckForm
from .models import CheckRecord, RunStatus


@login_required
def today(request):
    """The checks due today in the user's cells; for managers, their cells' progress."""
    day = timezone.localdate()
    context = {"today": day, "runs": list(selectors.due_today(request.user, day))}
    if permissions.managed_runs(request.user).exists():
        context["managed"] = selectors.managed_today(request.user, day)
    return render(request, "duties/checks/today.html", context)


@login_required
def run_detail(request, pk):
    """One check: its form for the cell's people while the period is on (a correction once
    it is done), the records so far for them and for the managers above."""
    run = permissions.get_visible_run_or_404(request.user, pk)
    records = list(
        run.records.select_related("submitted_by", "corrects").prefetch_related(
            "answers__item", "answers__hazard", "answers__photos"
        )
    )
    latest = next((r for r in reversed(records) if not _is_corrected(r, records)), None)
    may_fill = permissions.can_fill(request.user, run)
    if request.method == "POST" and not may_fill:
        raise Http404  # the managers above look, they do not fill
    fillable = (
        may_fill and run.status != RunStatus.MISSED and run.period_end >= timezone.localdate()
    )
    if latest is None:
        correcting = False
    elif request.method == "POST":
        correcting = bool(request.POST.get("corrects"))
    else:
        correcting = request.GET.get("correct") == "1"
    items = list(run.template.items.filter(is_active=True))
    form = None
    if fillable and (latest is None or correcting):
        form = CheckForm(
            request.POST or None,
            request.FILES or None,
            items=items,
            initial=CheckForm.initial_from(latest) if correcting else None,
        )
        if request.method == "POST" and form.is_valid():
            corrects = _posted_record(request, records)
            try:
                services.check_complete(
                    run_id=run.pk,
                    actor=request.user,
                    answers=form.answers(),
                    note=form.cleaned_data["note"],
                    corrects=corrects,
                )
            except ValidationError as error:
                messages.warning(request, " ".join(error.messages))
                return redirect("duties:check", pk=run.pk)
            messages.success(request, _("Check recorded."))
            return redirect("duties:today")
    elif request.method == "POST":
        # Someone completed it meanwhile, or its period ended while the form was open.
        reason = services.ALREADY_DONE if fillable else services.PERIOD_OVER
        messages.warning(request, str(reason))
        return redirect("duties:check", pk=run.pk)
    context = {
        "run": run,
        "records": records[::-1],
        "latest": latest,
        "form": form,
        "fillable": fillable,
        "correcting": correcting,
    }
    return render(request, "duties/checks/run.html", context)


def _is_corrected(record: CheckRecord, records: list[CheckRecord]) -> bool:
    return any(other.corrects_id == record.pk for other in records)


def _posted_record(request, records) -> CheckRecord | None:
    wanted = request.POST.get("corrects")
    return next((r for r in records if str(r.pk) == wanted), None) if wanted else None
