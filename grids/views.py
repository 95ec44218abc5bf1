from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from duties.selectors import duty_lists

from . import access, selectors, services
from .coverage import current_assignments_by_cell, grid_problems
from .forms import EndAssignmentForm, ReassignForm
from .models import Assignment
from .permissions import (
    can_administer,
    can_view_coverage,
    get_administered_cell_or_404,
    get_visible_cell_or_404,
    viewer_school_or_404,
)

# A search sends at most this many matching cells (with their ancestors) to the page.
TREE_FOUND_LIMIT = 200


@login_required
def tree(request):
    """The grid as far as the user sees it. A big tree is sent down to level 3, each level-3
    branch loading its cells when opened (`branch`); a small one whole. A search or the
    problems filter looks through every visible cell, level 4 included, and sends the
    matches under their ancestors. An htmx request gets the results block alone."""
    forest = selectors.visible_forest(request.user)
    summary = selectors.summarize(forest)
    query = request.GET.get("q", "").strip()[:100]
    problems_only = request.GET.get("problems") == "1"
    found = None
    if query or problems_only:
        found = selectors.filter_forest(
            forest, query=query, problems_only=problems_only, limit=TREE_FOUND_LIMIT
        )
        rows = selectors.dress(found.forest, open_all=True)
    else:
        whole = request.GET.get("expand") == "all"
        lazy = not whole and summary.cells > settings.GRIDS_TREE_EAGER_CELLS
        rows = selectors.dress(forest, lazy=lazy, open_all=whole)
    context = {
        "forest": forest,
        "rows": rows,
        "summary": summary,
        "found": found,
        "query": query,
        "problems_only": problems_only,
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "grids/_tree_results.html" if partial else "grids/tree.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def branch(request, pk):
    """The cells of one branch of the tree, for htmx to put under it when it is opened."""
    cell = get_visible_cell_or_404(request.user, pk)
    rows = selectors.dress(selectors.visible_branch(request.user, cell), lazy=True)
    return render(request, "grids/_tree_branch.html", {"rows": rows})


@login_required
def cell_detail(request, pk):
    cell = get_visible_cell_or_404(request.user, pk)
    by_cell = current_assignments_by_cell([cell.pk])
    context = {
        "cell": cell,
        "duty_list": duty_lists([cell])[0],
        "ancestors": cell.get_ancestors(),
        "children": cell.get_children(),
        "current": by_cell.get(cell.pk, []),
        "history": selectors.cell_history(cell),
        "manages": access.covers(request.user, cell),
        "is_admin": can_administer(request.user, cell.school),
    }
    return render(request, "grids/cell_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reassign(request, pk):
    cell = get_administered_cell_or_404(request.user, pk)
    form = ReassignForm(request.POST or None, cell=cell)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_replace(
                cell=cell,
                role=form.cleaned_data["role"],
                person=form.cleaned_data["person"],
                on=form.cleaned_data["valid_from"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(person)s now holds %(role)s in %(cell)s.")
                % {
                    "person": form.cleaned_data["person"].name,
                    "role": form.cleaned_data["role"].name,
                    "cell": cell.name,
                },
            )
            return redirect("grids:cell", pk=cell.pk)
    current = current_assignments_by_cell([cell.pk]).get(cell.pk, [])
    return render(request, "grids/reassign.html", {"cell": cell, "form": form, "current": current})


@login_required
@require_http_methods(["GET", "POST"])
def end_assignment(request, pk):
    assignment = get_object_or_404(
        Assignment.objects.select_related("cell__school", "person", "role"), pk=pk
    )
    cell = get_administered_cell_or_404(request.user, assignment.cell_id)
    form = EndAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_end(
                assignment=assignment,
                on=form.cleaned_data["valid_to"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The assignment of %(person)s has ended.") % {"person": assignment.person.name},
            )
            return redirect("grids:cell", pk=cell.pk)
    return render(
        request, "grids/end_assignment.html", {"cell": cell, "assignment": assignment, "form": form}
    )


@login_required
def coverage(request):
    school = viewer_school_or_404(request.user)
    if not can_view_coverage(request.user, school):
        raise Http404
    problems = grid_problems(school)
    return render(
        request,
        "grids/coverage.html",
        {
            "school": school,
            "problems": problems,
            "gaps": [p for p in problems if p.is_gap],
            "broken": [p for p in problems if not p.is_gap],
            "cell_count": school.cells.count(),
            "is_admin": can_administer(request.user, school),
        },
    )
