"""Pages measured side by side: `python -m bench.ab [--runs N] URL...` (default the bare page
and the dashboard), as the principal of the first big school of $BENCH_DATABASE_URL.

Each round requests every URL once, so a load that changes meanwhile weighs on all of them
alike; prints each URL's median wall time, its median CPU time in this process (on SQLite
that includes the queries), the difference from the first URL, and the query count. For
before/after figures on a shared machine: run it on both versions within the same minutes.
"""

import argparse
import os
import statistics
import time

import django


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("urls", nargs="*", default=["/bench/bare/", "/reports/"])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.school import principal_of
    from grids.models import School

    school = School.objects.filter(code__startswith="big").order_by("pk").first()
    client = Client()
    client.force_login(principal_of(school))
    for url in args.urls:
        for _ in range(3):
            assert client.get(url).status_code == 200, url
    wall = {url: [] for url in args.urls}
    cpu = {url: [] for url in args.urls}
    for _ in range(args.runs):
        for url in args.urls:
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            wall[url].append((time.perf_counter() - start) * 1000)
            cpu[url].append((time.process_time() - start_cpu) * 1000)
    first = args.urls[0]
    base = statistics.median(wall[first]), statistics.median(cpu[first])
    print(f"{connection.vendor}, {args.runs} rounds, load average {os.getloadavg()[0]:.1f}")
    for url in args.urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        ms, cpu_ms = statistics.median(wall[url]), statistics.median(cpu[url])
        print(
            f"{url}: {ms:.1f} ms (+{ms - base[0]:.1f}), cpu {cpu_ms:.1f} ms "
            f"(+{cpu_ms - base[1]:.1f}), {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
