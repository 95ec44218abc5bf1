"""Facts about a hazard's run through the loop, stored on the hazard for the reports.

`accept_span` (reported to accepted), `close_span` (reported to closed, closed hazards only),
`resolved` (where a closed hazard was resolved: in its own cell, by a higher level, or after
escalation), `closed_in_time` (closed by the rectification deadline) and `accepted_by` (who
accepted it, as its accept event says). The workflow sets them in the step's transaction
(`accept_span` and `accepted_by` on accepting, the others on verifying);
`recompute_facts` works them out again from the source rows (the hazard's times, its events,
the grid's posts) in a few bulk UPDATEs, for the data migration and for data written without
the workflow (the bench generators).

A closed hazard never changes again, so its facts are final once written: the dashboard and
the scorecard count them instead of re-deriving them per hazard on every page.
"""

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DurationField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .models import Action, Hazard, HazardEvent, Resolution, Status
from .selectors import IN_TIME, accepted_in_own_cell, ever_escalated


def resolution() -> Case:
    """Where a hazard was resolved, from its events and the grid's posts (the source)."""
    return Case(
        When(ever_escalated(), then=Value(Resolution.ESCALATED)),
        When(accepted_in_own_cell(), then=Value(Resolution.OWN)),
        default=Value(Resolution.HIGHER),
        output_field=CharField(),
    )


def resolution_of(hazard: Hazard) -> str:
    """`resolution()` for one hazard: what hazard_verify stores when it closes it."""
    return (
        Hazard.objects.filter(pk=hazard.pk).annotate(r=resolution()).values_list("r", flat=True)[0]
    )


def recompute_facts(hazards: QuerySet[Hazard] | None = None) -> int:
    """Set every fact of `hazards` (all hazards by default) from the source rows, in bulk.

    Returns how many hazards were written. Idempotent; safe to run at any time.
    """
    hazards = Hazard.objects.all() if hazards is None else hazards
    span = DurationField()
    written = hazards.update(
        accept_span=Case(
            When(accepted_at__isnull=False, then=F("accepted_at") - F("reported_at")),
            default=None,
            output_field=span,
        ),
        close_span=Case(
            When(status=Status.CLOSED, then=F("closed_at") - F("reported_at")),
            default=None,
            output_field=span,
        ),
        closed_in_time=Case(
            When(IN_TIME, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        accepted_by=Subquery(
            HazardEvent.objects.filter(hazard=OuterRef("pk"), action=Action.ACCEPT)
            .order_by("at", "id")
            .values("actor")[:1]
        ),
    )
    hazards.exclude(status=Status.CLOSED).exclude(resolved="").update(resolved="")
    hazards.filter(status=Status.CLOSED).update(resolved=resolution())
    return written
