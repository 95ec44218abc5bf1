"""Measurements the runner starts in a fresh process (python -m bench.child TASK ...), each
printing one JSON line. A fresh process gives each export its own peak-memory baseline,
and lets the escalation scenario live in a database of its own (BENCH_DATABASE_URL).

    scan HAZARDS          the escalation scenario: HAZARDS open in the demo school, 10% past
                          their deadline (bench.generate.generate); the scan runs once inside
                          a transaction that is rolled back, so the data stay for the next run
    export USERNAME       the hazard ledger of everything USERNAME sees, to a temporary file
    raw ROWS              openpyxl's write-only mode writing ROWS rows of the ledger's width
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402


class _Undo(Exception):
    pass


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def peak_growth(work):
    """(seconds, MB the resident memory peaked above where it started, result).

    Linux: the peak (VmHWM) is reset first by writing 5 to /proc/self/clear_refs, so what
    setting up Django took before does not hide the work's own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    return seconds, max(_status_kb("VmHWM") - before, 0) / 1024, result


def scan(hazards: int) -> dict:
    from django.db.models import Q
    from django.utils import timezone

    from bench.generate import generate
    from bench.school import analyze, derived_recompute
    from hazards.escalation import escalation_scan
    from hazards.models import Hazard, Status

    start = time.perf_counter()
    school = generate(hazards)
    derived_recompute([school])
    analyze()
    ready = time.perf_counter() - start
    open_count = Hazard.objects.open().count()
    now = timezone.now()
    overdue = Hazard.objects.filter(
        Q(status=Status.REPORTED, accept_due_at__lte=now)
        | Q(status=Status.RECTIFYING, rectify_due_at__lte=now)
    ).count()
    queries = 0

    def counter(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    result = {}
    try:
        with transaction.atomic(), connection.execute_wrapper(counter):
            start = time.perf_counter()
            result["steps"] = escalation_scan()
            result["seconds"] = time.perf_counter() - start
            result["queries"] = queries
            raise _Undo
    except _Undo:
        pass
    return {**result, "open": open_count, "overdue": overdue, "ready_s": ready}


def export(username: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from bench.excel import ledger
    from reports import exports
    from reports.models import ExportKind

    translation.activate("zh-hans")
    user = get_user_model().objects.get(username=username)
    queries = 0

    def counter(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        seconds, grown, rows = peak_growth(ledger(exports.Spec(ExportKind.LEDGER, user)))
    return {
        "seconds": seconds,
        "rss_mb": grown,
        "rows": rows,
        "queries": queries,
        "width": len(exports.ledger_columns()),
    }


def raw(rows: int, width: int) -> dict:
    from bench.excel import raw as raw_work

    seconds, grown, rows = peak_growth(raw_work(rows, width))
    return {"seconds": seconds, "rss_mb": grown, "rows": rows}


def main():
    task, *args = sys.argv[1:]
    if task == "scan":
        out = scan(int(args[0]))
    elif task == "export":
        out = export(args[0])
    elif task == "raw":
        out = raw(int(args[0]), int(args[1]))
    else:
        raise SystemExit(f"unknown task {task}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
