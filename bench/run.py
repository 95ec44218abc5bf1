"""Benchmark runner: page medians, query counts and the escalation scan at scale.

    .venv/bin/python -m bench.run --hazards 100000            # SQLite under var/
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.run
    .venv/bin/python -m bench.run --closed 100000 --only dashboard --no-scan   # with history

Each page: 3 warm-ups, then the median and p90 of 30 requests through Django's test client
(DEBUG off), and the query count of one more. Then the escalation scan over the open hazards.
"""

import argparse
import datetime
import os
import re
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.generate import add_closed, generate  # noqa: E402
from bench.measure import measure  # noqa: E402
from hazards.escalation import escalation_scan  # noqa: E402
from hazards.models import Hazard, HazardEvent  # noqa: E402


def long_timeline_hazard() -> int:
    """The hazard with the most events: the page with the full timeline."""
    hazard = Hazard.objects.order_by("-reported_at").first()
    for n in range(18):
        HazardEvent.objects.create(
            hazard=hazard,
            action="deadline",
            at=timezone.now(),
            from_status=hazard.status,
            to_status=hazard.status,
            note=f"step {n}",
        )
    return hazard.pk


def scorecard_url() -> str:
    end = timezone.localdate()
    start = end - datetime.timedelta(days=365)
    return f"{reverse('reports:scorecard')}?by=person&start={start}&end={end}&sort=-late"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--closed", type=int, default=0, help="closed hazards besides the open ones (history)"
    )
    parser.add_argument("--only", help="measure only the pages whose label matches this regex")
    parser.add_argument("--no-scan", action="store_true", help="skip the escalation scan")
    args = parser.parse_args()

    start = time.perf_counter()
    school = generate(args.hazards)
    if args.closed:
        add_closed(school, args.closed)
    print(
        f"data: {Hazard.objects.count():,} hazards, {HazardEvent.objects.count():,} events "
        f"on {connection.vendor} (ready in {time.perf_counter() - start:.1f} s)"
    )

    users = {u.username: u for u in get_user_model().objects.all()}
    pages = [
        ("bare page (floor)", "principal", reverse("bench-bare")),
        ("home", "principal", reverse("home")),
        ("queue, first page", "principal", reverse("hazards:list") + "?tab=queue"),
        ("queue, overdue filter", "principal", reverse("hazards:list") + "?tab=queue&overdue=on"),
        ("to-do list (teacher)", "teacher", reverse("hazards:list")),
        (
            "hazard page, 20 events",
            "principal",
            reverse("hazards:detail", args=[long_timeline_hazard()]),
        ),
        ("grid tree", "principal", reverse("grids:tree")),
        ("dashboard (principal)", "principal", reverse("reports:dashboard")),
        ("dashboard (level-2 manager)", "manager", reverse("reports:dashboard")),
        ("scorecard per person, a year", "principal", scorecard_url()),
    ]
    if args.only:
        pages = [pages[0]] + [p for p in pages[1:] if re.search(args.only, p[0])]
    rows = []
    for label, username, url in pages:
        client = Client()
        client.force_login(users[username])
        rows.append((label, *measure(client, url, args.runs, warmup=3)))
    floor = rows[0][1]
    print("\n| page | median ms | p90 ms | queries | x bare |\n|---|---|---|---|---|")
    for label, median, p90, queries in rows:
        print(f"| {label} | {median:.1f} | {p90:.1f} | {queries} | {median / floor:.1f} |")

    if args.no_scan:
        return
    now = timezone.now()
    open_count = Hazard.objects.open().count()
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        steps = escalation_scan(now=now)
    first = time.perf_counter() - start
    start = time.perf_counter()
    again = escalation_scan(now=now)
    second = time.perf_counter() - start
    print(
        f"\nescalation scan over {open_count:,} open hazards: {steps:,} steps in {first:.2f} s "
        f"({len(queries)} queries); "
        f"run again: {again} steps in {second:.2f} s"
    )


if __name__ == "__main__":
    main()
