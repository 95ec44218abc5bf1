import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .calendar import is_school_day
from .forms import AbsenceFormSet, FollowUpForm, HealthCheckForm, ReturnForm, absence_rows
from .models import FollowUp, HealthCheck, IllnessCase, Reason, Session
from .permissions import fillable_classes, overseen_classes


def _my_class(user, pk):
    """A class the user records checks for, or 404: another teacher's class is not theirs."""
    return get_object_or_404(fillable_classes(user), pk=pk)


@login_required
def today(request):
    """A teacher's day: each class's two sessions, open illness cases, follow-ups due."""
    classes = list(fillable_classes(request.user))
    if not classes:
        if overseen_classes(request.user).exists():
            return redirect("duties:health_summary")
        raise Http404
    day = timezone.localdate()
    since = day - datetime.timedelta(days=selectors.WINDOW_DAYS - 1)
    class_days = selectors.class_days(classes, day)
    open_cases = selectors.by_cell(
        IllnessCase.objects.filter(cell__in=classes, returned_on=None).order_by("started_on")
    )
    for class_day in class_days:
        class_day.open_cases = open_cases[class_day.cell.pk]
    context = {
        "day": day,
        "school_day": is_school_day(classes[0].school_id, day),
        "class_days": class_days,
        "unresolved": selectors.distinct_by_day(selectors.unresolved_unknowns(classes, since, day)),
    }
    return render(request, "duties/health/today.html", context)


def _initial(cell, day, session):
    """What the form starts from: the record being corrected, or the class roll with the
    students still away ill (and at noon, the morning's other absences)."""
    current = (
        HealthCheck.objects.current()
        .filter(cell=cell, date=day, session=session)
        .prefetch_related("absences__case")
        .first()
    )
    if current is not None:
        rows = [
            {
                "student": a.student,
                "reason": a.reason,
                "symptom": a.case.symptom if a.case else "",
            }
            for a in current.absences.all()
        ]
        totals = {
            "enrolled": current.enrolled,
            "present": current.present,
            "absent": current.absent,
        }
        return current, totals, rows
    rows = [
        {"student": c.student, "reason": Reason.ILLNESS, "symptom": c.symptom}
        for c in IllnessCase.objects.filter(cell=cell, returned_on=None).order_by("started_on")
    ]
    if session == Session.NOON:
        morning = (
            HealthCheck.objects.current()
            .filter(cell=cell, date=day, session=Session.MORNING)
            .first()
        )
        listed = {row["student"] for row in rows}
        if morning is not None:
            rows += [
                {"student": a.student, "reason": a.reason, "symptom": ""}
                for a in morning.absences.exclude(reason=Reason.ILLNESS)
                if a.student not in listed
            ]
    enrolled = getattr(getattr(cell, "class_roll", None), "enrolled", None)
    if enrolled is None:
        return None, {"absent": len(rows)}, rows
    return None, {"enrolled": enrolled, "present": enrolled - len(rows), "absent": len(rows)}, rows


@login_required
def check(request, pk, session):
    """The fast phone form: totals and a row per absent student."""
    cell = _my_class(request.user, pk)
    if session not in Session.values:
        raise Http404
    day = timezone.localdate()
    current, totals, rows = _initial(cell, day, session)
    form = HealthCheckForm(request.POST or None, initial=totals)
    formset = AbsenceFormSet(request.POST or None, initial=rows, prefix="absence")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.health_check_record(
                cell=cell,
                day=day,
                session=session,
                actor=request.user,
                rows=absence_rows(formset),
                **form.cleaned_data,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(class)s: %(session)s recorded.")
                % {"class": cell.name, "session": Session(session).label},
            )
            return redirect("duties:health")
    context = {
        "cell": cell,
        "day": day,
        "session": Session(session),
        "school_day": is_school_day(cell.school_id, day),
        "current": current,
        "form": form,
        "formset": formset,
    }
    return render(request, "duties/health/check.html", context)


@login_required
def follow_up(request, pk):
    """Record the follow-up of a student absent for an unknown reason."""
    cell = _my_class(request.user, pk)
    student = request.GET.get("student", "")
    day = parse_date(request.GET.get("date", "")) or timezone.localdate()
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(
                cell=cell, day=day, student=student, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Follow-up of %(student)s recorded.") % {"student": student}
            )
            return redirect("duties:health")
    earlier = FollowUp.objects.filter(cell=cell, date=day, student=student).select_related(
        "recorded_by__grid_person"
    )
    context = {"cell": cell, "student": student, "day": day, "form": form, "earlier": earlier}
    return render(request, "duties/health/follow_up.html", context)


@login_required
@require_POST
def case_return(request, pk):
    case = get_object_or_404(
        IllnessCase.objects.filter(cell__in=fillable_classes(request.user)), pk=pk
    )
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("Give the day the student came back."))
        return redirect("duties:health")
    try:
        services.illness_case_return(
            case=case, returned_on=form.cleaned_data["returned_on"], actor=request.user
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(student)s is back at school.") % {"student": case.student})
    return redirect("duties:health")


@login_required
def summary(request):
    """The leader's view of the classes under their cells: today's completion, absences,
    students away ill by symptom over the week, follow-ups still open."""
    classes = list(overseen_classes(request.user))
    if not classes:
        raise Http404
    day = timezone.localdate()
    context = {
        "summary": selectors.summary(classes, day),
        "school_day": is_school_day(classes[0].school_id, day),
        "class_threshold": selectors.OUTBREAK_IN_A_CLASS,
        "school_threshold": selectors.OUTBREAK_IN_THE_SCHOOL,
    }
    return render(request, "duties/health/summary.html", context)
