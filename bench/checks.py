"""Benchmark of the recurring checks: a day's checks for a 2,000-cell school and for a
county of schools, the nightly misses, and /duties/today/.

    .venv/bin/python -m bench.checks                         # SQLite, var/bench-checks.sqlite3
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_checks \\
        .venv/bin/python -m bench.checks                     # PostgreSQL (createdb first)

Opening runs in-process with DEBUG off; queries are counted with Django's capture. Each
generation runs twice: the second must insert nothing (idempotent) in the same queries.
"""

import argparse
import datetime
import os
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
if "BENCH_DATABASE_URL" not in os.environ:
    os.environ["BENCH_DATABASE_URL"] = (
        f"sqlite:///{Path(__file__).resolve().parents[1] / 'var' / 'bench-checks.sqlite3'}"
    )

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.generate import check_school, check_staff  # noqa: E402
from bench.run import measure  # noqa: E402
from duties.checks.models import CheckRun, MissedDigest  # noqa: E402
from duties.checks.services import check_runs_open, missed_checks_process  # noqa: E402
from grids.models import GridCell  # noqa: E402

MONDAY = datetime.date(2026, 11, 30)


def at(day, hour=0, minute=1):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def timed(label, function, **kwargs):
    before = CheckRun.objects.count()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function(**kwargs)
        seconds = time.perf_counter() - start
    added = CheckRun.objects.count() - before
    print(f"| {label} | {seconds:.2f} | {len(queries)} | {added:,} | {result} |")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=100, help="schools in the county")
    parser.add_argument("--days", type=int, default=20, help="school days of history")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    schools = [check_school(f"bench-{n:03d}") for n in range(1, args.schools + 1)]
    first = schools[0]
    print(
        f"data: {len(schools)} schools, {GridCell.objects.count():,} cells on "
        f"{connection.vendor} (ready in {time.perf_counter() - start:.1f} s)"
    )
    with connection.cursor() as cursor:  # measure from an empty table on every run
        for model in (MissedDigest.runs.through, MissedDigest, CheckRun):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    cells = GridCell.objects.filter(school=first).count()
    print("\n| step | s | queries | runs added | returned |\n|---|---|---|---|---|")
    day = MONDAY
    timed(
        f"one school ({cells:,} cells), Monday", check_runs_open, now=at(day), school_ids=[first.pk]
    )
    timed("  the same again", check_runs_open, now=at(day, 6), school_ids=[first.pk])
    timed(f"county ({len(schools)} schools), Monday", check_runs_open, now=at(day, 0, 2))
    timed("  the same again", check_runs_open, now=at(day, 6, 2))
    timed("county, Tuesday", check_runs_open, now=at(day + datetime.timedelta(days=1)))

    # History for the first school: earlier school days, left undone, then marked missed.
    past = [MONDAY - datetime.timedelta(days=n) for n in range(1, args.days * 2)]
    for old in [d for d in past if d.weekday() < 5][: args.days]:
        check_runs_open(now=at(old), school_ids=[first.pk])
    later = at(day + datetime.timedelta(days=2), 0, 15)
    timed("county: mark misses + digests (Wednesday)", missed_checks_process, now=later)
    timed("  the same again", missed_checks_process, now=later)
    print(f"\n{CheckRun.objects.count():,} check runs in the table")

    principal = check_staff(first, "bench-principal", GridCell.objects.get(school=first, code="1"))
    class_cell = GridCell.objects.get(school=first, code="1-01-01-01")
    teacher = check_staff(first, "bench-teacher", class_cell)
    check_runs_open(school_ids=[first.pk])  # today's real date, for the pages
    print("\n| page | median ms | p90 ms | queries |\n|---|---|---|---|")
    for label, user, url in [
        ("bare page (floor)", teacher, reverse("bench-bare")),
        ("/duties/today/ (class teacher)", teacher, reverse("duties:today")),
        ("/duties/today/ (principal, 2,000 cells)", principal, reverse("duties:today")),
        ("home (principal)", principal, reverse("home")),
    ]:
        client = Client()
        client.force_login(user)
        median, p90, queries = measure(client, url, args.runs)
        print(f"| {label} | {median:.1f} | {p90:.1f} | {queries} |")


if __name__ == "__main__":
    main()
