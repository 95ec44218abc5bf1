"""What a person sees of the recurring checks: a few queries, whatever the number of checks."""

import datetime

from django.db.models import Count, Q

from grids import access

from .models import CheckRun, MissedDigest, RunStatus
from .permissions import fillable_runs

MISSED_SHOWN = 20


def due_today(user, today: datetime.date):
    """The checks of the user's cells whose period covers today, to do first."""
    return (
        fillable_runs(user, on=today)
        .filter(period_start__lte=today, period_end__gte=today)
        .select_related("template", "cell", "done_by")
        .order_by("-status", "period_end", "cell__tree_id", "cell__lft", "template_id")
    )


def today_counts(user, today: datetime.date) -> dict[str, int]:
    """The home page's card, in one query: the user's own checks due and done today, the
    same for the cells they manage, and the misses found there today."""
    mine = Q(cell__in=access.assigned_cells(user, on=today).values("pk"))
    managed = access.cell_filter(user, "cell")
    current = Q(period_start__lte=today, period_end__gte=today)
    missed = Q(status=RunStatus.MISSED, missed_on=today)
    done = Q(status=RunStatus.DONE)
    return CheckRun.objects.filter((mine | managed) & (current | missed)).aggregate(
        due=Count("pk", filter=mine & current),
        done=Count("pk", filter=mine & current & done),
        managed_due=Count("pk", filter=managed & current),
        managed_done=Count("pk", filter=managed & current & done),
        missed=Count("pk", filter=managed & missed),
    )


def managed_today(user, today: datetime.date) -> dict:
    """For a manager: today's checks in the cells they cover, and the misses found today."""
    covered = CheckRun.objects.filter(access.cell_filter(user, "cell"))
    counts = covered.filter(period_start__lte=today, period_end__gte=today).aggregate(
        due=Count("pk"), done=Count("pk", filter=Q(status=RunStatus.DONE))
    )
    missed = covered.filter(status=RunStatus.MISSED, missed_on=today)
    return {
        **counts,
        "missed_count": missed.count(),
        "missed": list(
            missed.select_related("template", "cell").order_by("cell__tree_id", "cell__lft")[
                :MISSED_SHOWN
            ]
        ),
        "digest": MissedDigest.objects.filter(recipient=user, day=today).first(),
    }
