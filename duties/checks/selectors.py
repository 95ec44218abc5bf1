"""What a person sees of the recurring checks: a few queries, whatever the number of checks."""

import datetime

from django.db.models import Count, Q

from .models import MissedDigest, RunStatus
from .permissions import fillable_runs, managed_runs

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
    """The home page's card in three queries: the user's own checks due and done today; the
    same for the cells they manage; the misses found there today. (Apart, each query keeps
    to its index: (cell, period_end) for the current ones, (missed_on, cell) for the misses.)"""
    current = Q(period_start__lte=today, period_end__gte=today)
    done = Q(status=RunStatus.DONE)
    counts = (
        fillable_runs(user, on=today)
        .filter(current)
        .aggregate(due=Count("pk"), done=Count("pk", filter=done))
    )
    managed = managed_runs(user)
    counts.update(
        managed.filter(current).aggregate(
            managed_due=Count("pk"), managed_done=Count("pk", filter=done)
        )
    )
    counts["missed"] = managed.filter(status=RunStatus.MISSED, missed_on=today).count()
    return counts


def managed_today(user, today: datetime.date) -> dict:
    """For a manager: today's checks in the cells they cover, and the misses found today."""
    managed = managed_runs(user)
    counts = managed.filter(period_start__lte=today, period_end__gte=today).aggregate(
        due=Count("pk"), done=Count("pk", filter=Q(status=RunStatus.DONE))
    )
    missed = managed.filter(status=RunStatus.MISSED, missed_on=today)
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
