from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grids import access

from . import services
from .forms import VisitForm
from .models import Visit
from .permissions import gate_cells


@login_required
def visits(request):
    """The gate's register: log a visitor in, see who is inside, log them out."""
    cells = list(gate_cells(request.user))
    if not cells:
        raise Http404
    cell = next((c for c in cells if str(c.pk) == request.GET.get("cell")), cells[0])
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.visit_enter(cell=cell, actor=request.user, **form.cleaned_data)
        messages.success(request, _("%(visitor)s logged in.") % form.cleaned_data)
        return redirect(f"{request.path}?cell={cell.pk}")
    today = timezone.localdate()
    register = Visit.objects.filter(cell=cell).select_related("entered_by__grid_person")
    context = {
        "cells": cells,
        "cell": cell,
        "form": form,
        "inside": register.filter(left_at__isnull=True),
        "left_today": register.filter(left_at__isnull=False, entered_at__date=today),
    }
    return render(request, "duties/visits.html", context)


@login_required
@require_POST
def visit_leave(request, pk):
    visit = access.get_in_reach_or_404(
        Visit.objects.filter(cell__in=gate_cells(request.user)), pk=pk
    )
    try:
        services.visit_leave(visit_id=visit.pk, actor=request.user)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(visitor)s logged out.") % {"visitor": visit.visitor})
    return redirect(f"{reverse('duties:visits')}?cell={visit.cell_id}")
