from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from grids import access
from grids.coverage import current_assignments_by_cell
from grids.permissions import get_visible_cell_or_404

from . import permissions, qr, selectors, workflow
from .clock import Clock, settings_for
from .forms import (
    AcceptForm,
    AnonymousReportForm,
    DeadlineForm,
    QueueFilterForm,
    ReasonForm,
    ReassignForm,
    RejectForm,
    ReportForm,
    SubmitForm,
    VerifyForm,
)
from .models import Action, HazardPhoto, Notification

PAGE_SIZE = 20
LIST_REACH = 1000  # rows a list counts past the start of its page before saying "more than"


@login_required
def hazard_list(request):
    user = request.user
    person = access.person_of(user)
    reach = access.reach(user)
    manages = bool(reach)
    tab = request.GET.get("tab") or "todo"
    if tab not in {"todo", "reported", "queue"} or (tab == "queue" and not manages):
        raise Http404
    filter_form = None
    if tab == "queue":
        filter_form = QueueFilterForm(
            request.GET or None,
            school=person.school,
            cells=reach.cells().order_by("tree_id", "lft"),
        )
        filters = filter_form.cleaned_data if filter_form.is_valid() else {}
        hazards = selectors.queue(reach, filters)
    elif tab == "reported":
        hazards = selectors.reported_by(user)
    else:
        hazards = selectors.todo(user)
    page = selectors.list_page(hazards, request.GET.get("page"), PAGE_SIZE, LIST_REACH)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hazards/list.html",
        {
            "tab": tab,
            "page": page,
            "manages": manages,
            "filter_form": filter_form,
            "filter_chips": filter_form.chips() if filter_form else [],
            "query": query.urlencode(),
        },
    )


@login_required
def report(request):
    person = access.person_of(request.user)
    if person is None:
        raise Http404
    cells = permissions.reportable_cells(request.user)
    initial = {}
    wanted = request.GET.get("cell")
    if wanted and wanted.isdigit() and cells.filter(pk=wanted).exists():
        initial["cell"] = int(wanted)
    else:
        # The smallest cell they hold, inside the school before outside, in tree order.
        mine = (
            access.assigned_cells(request.user)
            .order_by("-depth", "scope", "tree_id", "lft")
            .first()
        )
        if mine is not None:
            initial["cell"] = mine.pk
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        cells=cells,
        school=person.school,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = workflow.hazard_report(
                reporter=request.user,
                cell=data["cell"],
                category=data["category"],
                severity=data["severity"],
                description=data["description"],
                spot=data["spot"],
                photos=data["photos"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Reported as %(number)s. The cell's manager has been told.")
                % {"number": hazard.number},
            )
            return redirect("hazards:detail", pk=hazard.pk)
    return render(request, "hazards/report.html", {"form": form})


# The order the next-step forms are offered in; the first is open on arrival.
ACTION_ORDER = [
    Action.ACCEPT,
    Action.SUBMIT,
    Action.VERIFY,
    Action.DECLINE,
    Action.REJECT,
    Action.REASSIGN,
    Action.DEADLINE,
]


def _action_forms(request, hazard, bound=None):
    """An unbound form per action the user may take, or the bound one that failed."""
    offered = permissions.allowed_actions(request.user, hazard)
    forms = {}
    for action in (a for a in ACTION_ORDER if a in offered):
        if bound is not None and bound[0] == action:
            forms[action] = bound[1]
            continue
        form_class, extra = ACTIONS[action][0], {}
        if action == Action.ACCEPT:
            settings = settings_for(hazard.school_id)
            clock = Clock.for_school(hazard.school_id, settings)
            extra["default_due"] = clock.add(
                timezone.now(), settings.hours("rectify", hazard.severity)
            )
        forms[action] = form_class(hazard=hazard, prefix=action, **extra)
    return forms


@login_required
def detail(request, pk, bound=None):
    hazard = selectors.hazard_page(request.user, pk)
    # The header's unread count and this hazard's share of it, in one query: the update that
    # marks them read runs only when there is something to mark.
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).aggregate(
        total=Count("pk"), here=Count("pk", filter=Q(hazard=hazard))
    )
    if unread["here"]:
        Notification.objects.filter(
            recipient=request.user, hazard=hazard, read_at__isnull=True
        ).update(read_at=timezone.now())
    events = selectors.timeline(hazard)
    forms = _action_forms(request, hazard, bound)
    context = {
        "hazard": hazard,
        "events": events,
        "before": [p for e in events for p in e.photo_list if p.kind == "before"],
        "after": [p for e in events for p in e.photo_list if p.kind == "after"],
        "forms": forms,
        "open_action": bound[0] if bound else next(iter(forms), None),
        "inbox_unread": unread["total"] - unread["here"],
    }
    return render(request, "hazards/detail.html", context, status=400 if bound else 200)


# action: (form, step, what the actor is told when it worked). Each form's fields are the
# step's keyword arguments, plus the version the page was drawn from.
ACTIONS = {
    Action.ACCEPT: (AcceptForm, workflow.hazard_accept, gettext_lazy("Accepted and assigned.")),
    Action.DECLINE: (
        ReasonForm,
        workflow.hazard_decline,
        gettext_lazy("Declined; the reporter has been told."),
    ),
    Action.SUBMIT: (
        SubmitForm,
        workflow.hazard_submit,
        gettext_lazy("Submitted for verification."),
    ),
    Action.VERIFY: (VerifyForm, workflow.hazard_verify, gettext_lazy("Verified and closed.")),
    Action.REJECT: (
        RejectForm,
        workflow.hazard_reject,
        gettext_lazy("Sent back for rectification."),
    ),
    Action.REASSIGN: (ReassignForm, workflow.hazard_reassign, gettext_lazy("Reassigned.")),
    Action.DEADLINE: (
        DeadlineForm,
        workflow.hazard_change_deadline,
        gettext_lazy("Deadline changed."),
    ),
}


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    hazard = permissions.get_visible_hazard_or_404(request.user, pk)
    form_class, step, done = ACTIONS[action]
    extra = {"default_due": timezone.now()} if action == Action.ACCEPT else {}
    form = form_class(request.POST, request.FILES, hazard=hazard, prefix=action, **extra)
    if form.is_valid():
        arguments = dict(form.cleaned_data)
        version = arguments.pop("version")
        try:
            step(hazard_id=hazard.pk, actor=request.user, expected_version=version, **arguments)
        except workflow.StaleHazard as stale:
            messages.warning(request, stale.message)
            return redirect("hazards:detail", pk=pk)
        except PermissionDenied:
            raise
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect("hazards:detail", pk=pk)
    return detail(request, pk, bound=(action, form))


@login_required
def photo(request, pk):
    """A hazard photo, for those who may see its hazard only."""
    item = access.get_in_reach_or_404(
        HazardPhoto.objects.filter(hazard__in=permissions.visible_hazards(request.user)), pk=pk
    )
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def inbox(request):
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return redirect("hazards:inbox")
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hazards/inbox.html", {"page": page})


@login_required
def signs(request, pk):
    """Printable A4 signs: the cell's, or with ?subtree=1 every cell under it too."""
    cell = get_visible_cell_or_404(request.user, pk)
    if not permissions.can_print_signs(request.user, cell):
        raise access.OutOfReach(f"signs of cell {cell.pk}")
    cells = cell.get_descendants(include_self=True) if request.GET.get("subtree") else [cell]
    cells = list(cells)
    people = current_assignments_by_cell([c.pk for c in cells])
    items = [
        {
            "cell": c,
            "people": people.get(c.pk, []),
            "qr": qr.qr_svg(qr.cell_url(c)),
            "url": qr.cell_url(c),
        }
        for c in cells
    ]
    return render(request, "hazards/signs.html", {"cell": cell, "items": items})


def qr_entry(request, token):
    """Where a sign's QR code leads: the report form for staff, or the anonymous form."""
    cell = qr.cell_from_token(token)
    if cell is None:
        raise Http404
    person = access.person_of(request.user)
    if person is not None and person.school_id == cell.school_id:
        return redirect(f"{reverse('hazards:new')}?cell={cell.pk}")
    if not settings_for(cell.school_id).allow_anonymous_reports:
        return redirect_to_login(f"{reverse('hazards:new')}?cell={cell.pk}")
    form = AnonymousReportForm(request.POST or None, request.FILES or None, school=cell.school)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = workflow.hazard_report_anonymous(
                cell=cell,
                category=data["category"],
                severity=data["severity"],
                description=data["description"],
                spot=data["spot"],
                photos=data["photos"],
                contact_phone=data["contact_phone"],
                ip=get_client_ip_address(request),
            )
        except workflow.TooManyReports as refused:
            form.add_error(None, str(refused))
            status = 429
        else:
            return render(
                request, "hazards/anonymous_done.html", {"cell": cell, "number": hazard.number}
            )
    return render(
        request, "hazards/anonymous_report.html", {"cell": cell, "form": form}, status=status
    )
