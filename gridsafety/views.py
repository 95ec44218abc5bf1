from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from duties import home as duties_home
from duties.checks.selectors import today_counts
from duties.permissions import gate_cells, plannable_cells
from duties.roster.selectors import on_duty_today
from duties.selectors import duty_lists
from grids import access
from grids.coverage import grid_problems
from grids.models import Assignment
from hazards import selectors as hazard_selectors

from .context_processors import nav_flags


@login_required
def home(request):
    """Each person's start page: what waits for them, their posts, and for admins and the
    leader the state of the grid."""
    user = request.user
    person = access.person_of(user)
    context = {"person": person}
    if person is not None:
        # The navigation's flags (kept under the access stamp) answer the same questions as
        # can_administer, can_view_coverage and the health card's "any class" tests.
        nav = nav_flags(user)
        assignments = list(
            Assignment.objects.current()
            .filter(person=person)
            .select_related("cell", "role")
            .order_by("cell__tree_id", "cell__lft")
        )
        context["assignments"] = assignments
        on_duty = on_duty_today(person.school)
        context["on_duty_today"] = on_duty
        my_cells = {a.cell_id: a.cell for a in assignments}  # and, today, a duty I am rostered to
        my_cells.update({row.cell_id: row.cell for row in on_duty if row.person_id == person.pk})
        context["duty_lists"] = duty_lists(list(my_cells.values()))
        context["covered_count"] = access.covered_cells(user).count()
        context["is_admin"] = nav["school_admin"]
        context["keeps_gate"] = gate_cells(user).exists()
        context["plans_rosters"] = plannable_cells(user).exists()
        context["checks_today"] = today_counts(user, timezone.localdate())
        todo = hazard_selectors.list_page(hazard_selectors.todo(user), 1, per_page=5, reach=99)
        context["todo_count"] = todo.paginator.count
        context["todo_more"] = todo.paginator.more
        context["todo"] = todo
        context["health"] = duties_home.health_card(
            user, oversees=nav["oversees"], fills=nav["teaches"]
        )
        context["visitors"] = duties_home.visitors_card(user)
        if nav["school_admin"] or nav["leads"]:
            context["problems"] = grid_problems(person.school)
    return render(request, "home.html", context)
