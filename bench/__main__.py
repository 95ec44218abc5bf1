"""The benchmark, one command: ours and the peer's (django-helpdesk) on the same engine, one table.

    .venv/bin/python -m bench                                   # SQLite, 100,000 hazards
    .venv/bin/python -m bench --engine postgres                 # PostgreSQL (see --db)
    .venv/bin/python -m bench --hazards 5000 --runs 5 --skip-peer    # quick check
    .venv/bin/python -m bench --engine postgres --county 100 --hazards 1000000   # county

See bench/README.md for what each row measures and the targets of issue 6.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/gridsafety_bench"


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument(
        "--db",
        help="database URL (default: var/bench-<size>.sqlite3; PostgreSQL: $BENCH_DATABASE_URL "
        f"or {DEFAULT_PG}, with _<size> appended to the name)",
    )
    p.add_argument("--hazards", type=int, default=100_000, help="hazards of the big school")
    p.add_argument(
        "--small",
        type=int,
        default=1_000,
        help="hazards of the small school (query counts side by side)",
    )
    p.add_argument("--runs", type=int, default=30, help="timed requests per page")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument(
        "--county",
        type=int,
        default=0,
        metavar="SCHOOLS",
        help="county mode: SCHOOLS schools sharing --hazards; pages of the first",
    )
    p.add_argument("--skip-peer", action="store_true", help="leave out the peer's harness")
    p.add_argument(
        "--peer-reuse",
        type=float,
        default=0,
        metavar="HOURS",
        help="reuse the peer's result file of the same engine and size if younger",
    )
    p.add_argument(
        "--peer-escalate",
        action="store_true",
        help="also run the peer's escalate_tickets (about 3 min at 100,000)",
    )
    p.add_argument(
        "--peer-tickets",
        type=int,
        help="tickets for the peer (default: --hazards; 100,000 in county mode)",
    )
    p.add_argument(
        "--peer-file",
        help="with --table: the peer's result file to read (var/peer-<engine>-<tickets>.txt)",
    )
    p.add_argument("--skip-scan", action="store_true", help="leave out the escalation scan")
    p.add_argument(
        "--scan-hazards",
        type=int,
        help="open hazards of the escalation scenario (default: --hazards)",
    )
    p.add_argument("--skip-excel", action="store_true", help="leave out the export and import")
    p.add_argument("--people", type=int, default=2_000, help="people in the import")
    p.add_argument("--generate-only", action="store_true")
    p.add_argument(
        "--table",
        metavar="RESULT.json",
        help="only print the table of a saved result again, with the peer's file read again",
    )
    return p.parse_args(argv)


def database_url(args, suffix: str) -> str:
    if args.engine == "sqlite":
        if args.db:
            return args.db.replace(".sqlite3", f"{suffix}.sqlite3")
        return f"sqlite:///{VAR / f'bench{suffix}.sqlite3'}"
    base = args.db or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    return base + suffix.replace("-", "_")


def pg_create(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        import django

        django.setup()
        from bench import measure

        return measure.rerender(args.table, args.peer_file)
    size = f"-county{args.county}-{args.hazards}" if args.county else f"-{args.hazards}"
    if args.engine == "postgres":  # the base name, before BENCH_DATABASE_URL is set below
        args.db = args.db or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    url = database_url(args, size)
    VAR.mkdir(exist_ok=True)
    if args.engine == "postgres":
        pg_create(url)
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench import measure

    measure.run(args, url)


if __name__ == "__main__":
    sys.exit(main())
