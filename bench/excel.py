"""Excel benchmark: the hazard ledger at 100,000 rows, and a 2,000-person import.

    .venv/bin/python -m bench.excel --hazards 100000          # SQLite under var/
    BENCH_DATABASE_URL=postgres://... .venv/bin/python -m bench.excel

The ledger is written for all the hazards without tracing (wall time, growth of the
process's peak RSS), then for a recent slice under tracemalloc (peak Python memory; tracing
makes it several times slower). The baseline is openpyxl's write-only mode
writing the same number of rows of the same width, unstyled, with a short distinct string
per cell and no database: the floor any export built on openpyxl pays. The import builds a workbook
of 2,000 people with logins, checks it (the preview), imports it, then imports it again
(nothing to change); everything it wrote is rolled back at the end.
"""

import argparse
import datetime
import io
import os
import resource
import tempfile
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

import openpyxl  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench.generate import generate  # noqa: E402
from grids.models import School  # noqa: E402
from gridsafety.xlsx import open_workbook  # noqa: E402
from hazards.models import Hazard  # noqa: E402
from reports import exports, imports, imports_sheets  # noqa: E402
from reports.models import ExportKind  # noqa: E402

MB = 1024 * 1024


def timed(work):
    """(seconds, peak traced MB, result) of one run under tracemalloc.

    Tracing slows Python down, so the seconds are those of a traced run: compare them with
    the traced baseline below, not with an untraced wall clock.
    """
    tracemalloc.start()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / MB, result


def ledger(spec):
    def work():
        with tempfile.TemporaryFile() as target:
            return exports.export_write(spec, target)

    return work


def raw(rows, width):
    def work():
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("raw")
        for row in range(rows):
            sheet.append([f"{row} {col}" for col in range(width)])
        with tempfile.TemporaryFile() as target:
            workbook.save(target)
        return rows

    return work


class _Undo(Exception):
    pass


def people_workbook(count: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(str(imports_sheets.PEOPLE.title))
    sheet.append([str(f.label) for f in imports_sheets.PEOPLE.fields])
    for n in range(count):
        sheet.append(
            [f"B{n:05d}", f"Bench person {n}", f"139{n:08d}", "Teacher", "Grade", "", f"b{n:05d}"]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bench_import(school, admin, count):
    content = people_workbook(count)
    figures = []

    def run(dry_run):
        stream = SimpleUploadedFile("people.xlsx", content)
        start = time.perf_counter()
        workbook = open_workbook(stream, max_bytes=len(content))
        sheets, problems = imports_sheets.workbook_sheets(workbook)
        assert not problems, problems
        queries = []  # counted, not logged: Django's query log keeps only the last 9,000

        def count(execute, sql, params, many, context):
            queries.append(None)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            result = imports.import_run(school=school, sheets=sheets, actor=admin, dry_run=dry_run)
        assert result.ok, result.problems[:3]
        return time.perf_counter() - start, len(queries), result

    try:
        with transaction.atomic():
            for label, dry_run in [("preview", True), ("import", False), ("re-import", False)]:
                seconds, queries, result = run(dry_run)
                figures.append(
                    (
                        label,
                        seconds,
                        queries,
                        sum(result.created.values()),
                        sum(result.unchanged.values()),
                    )
                )
            raise _Undo
    except _Undo:
        pass
    return len(content), figures


def rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def untraced(work):
    """(seconds, growth of the peak RSS in MB, result): the full-size runs, without tracing."""
    before = rss_mb()
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, rss_mb() - before, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--slice-days", type=int, default=30)
    args = parser.parse_args()
    translation.activate("zh-hans")
    generate(args.hazards)
    total = Hazard.objects.count()
    print(f"data: {total:,} hazards on {connection.vendor}", flush=True)

    principal = get_user_model().objects.get(username="principal")
    width = len(exports.ledger_columns())
    everything = exports.Spec(ExportKind.LEDGER, principal)
    # Full size first (the peak RSS only ever grows), the light baseline after it.
    print("\n| run | rows | seconds | peak RSS growth MB | queries |\n|---|---|---|---|---|")
    with CaptureQueriesContext(connection) as queries:
        seconds, grown, rows = untraced(ledger(everything))
    print(f"| ledger, everything | {rows:,} | {seconds:.1f} | {grown:.1f} | {len(queries)} |")
    seconds, grown, _rows = untraced(raw(rows, width))
    print(f"| raw openpyxl, same rows | {rows:,} | {seconds:.1f} | {grown:.1f} | 0 |", flush=True)

    since = timezone.localdate() - datetime.timedelta(days=args.slice_days)
    part = exports.Spec(ExportKind.LEDGER, principal, date_from=since)
    print("\n| traced run | rows | seconds | tracemalloc peak MB | queries |")
    print("|---|---|---|---|---|")
    with CaptureQueriesContext(connection) as queries:
        seconds, peak, rows = timed(ledger(part))
    label = f"ledger, last {args.slice_days} days"
    print(f"| {label} | {rows:,} | {seconds:.1f} | {peak:.1f} | {len(queries)} |")
    seconds, peak, _rows = timed(raw(rows, width))
    print(f"| raw openpyxl, same rows | {rows:,} | {seconds:.1f} | {peak:.1f} | 0 |", flush=True)

    school = School.objects.get(code="qingshi")
    admin = get_user_model().objects.get(username="admin")
    size, figures = bench_import(school, admin, args.people)
    print(f"\nimport of {args.people:,} people with logins ({size / 1024:.0f} KB):")
    print("| step | seconds | queries | created | unchanged |\n|---|---|---|---|---|")
    for label, seconds, queries, created, unchanged in figures:
        print(f"| {label} | {seconds:.1f} | {queries:,} | {created:,} | {unchanged:,} |")


if __name__ == "__main__":
    main()
