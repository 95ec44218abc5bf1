from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from duties.checks.selectors import today_counts
from duties.permissions import gate_cells
from duties.selectors import duty_lists
from grids import access
from grids.coverage import grid_problems
from grids.models import Assignment
from grids.permissions import can_administer, can_view_coverage
from hazards import selectors as hazard_selectors


@login_required
def home(request):
    """Each person's start page: what waits for them, their posts, and for admins and the
    leader the state of the grid."""
    user = request.user
    person = access.person_of(user)
    context = {"person": person}
    if person is not None:
        assignments = list(
            Assignment.objects.current()
            .filter(person=person)
            .select_related("cell", "role")
            .order_by("cell__tree_id", "cell__lft")
        )
        context["assignments"] = assignments
        context["duty_lists"] = duty_lists(list({a.cell_id: a.cell for a in assignments}.values()))
        context["covered_count"] = access.covered_cells(user).count()
        context["is_admin"] = can_administer(user, person.school)
        context["keeps_gate"] = gate_cells(user).exists()
        context["checks_today"] = today_counts(user, timezone.localdate())
        todo = hazard_selectors.todo(user)
        context["todo_count"] = todo.count()
        context["todo"] = todo[:5]
        if can_view_coverage(user, person.school):
            context["problems"] = grid_problems(person.school)
    return render(request, "home.html", context)
