"""The peer's harness (django-helpdesk, /work/shared/peers/helpdesk or $PEER_DIR), run as it
comes: its own virtualenv, its seed.py and bench.py, in a subprocess, on the same database
engine as ours. Its output is kept in var/peer-<engine>-<tickets>.txt and parsed here.

SQLite: the peer's own file under its root. PostgreSQL: $PEER_DATABASE_URL, else the
pg.env its setup.sh wrote (point that at a database of your own: run setup.sh with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/peer_<you>).
"""

import os
import re
import subprocess
import time
from pathlib import Path

PEER_DIR = Path(os.environ.get("PEER_DIR", "/work/shared/peers/helpdesk"))
PEER_ROOT = Path(os.environ.get("HELPDESK_PEER_ROOT", "/tmp/helpdesk-peer"))
VAR = Path(__file__).resolve().parents[1] / "var"

ROW = re.compile(r"^(tiny|bare|list|datatable|view|dashboard)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s")
ESCALATE = re.compile(r"escalate_tickets .*?: ([\d.]+) s, (\d+) queries, (\d+) tickets escalated")
HEADER = re.compile(r"(\d+) tickets, (\d+) follow-ups")


def result_file(engine: str, tickets: int) -> Path:
    return VAR / f"peer-{engine}-{tickets}.txt"


def parse(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        if m := ROW.match(line):
            out[m[1]] = {"median": float(m[2]), "p90": float(m[3]), "queries": int(m[4])}
        elif m := ESCALATE.search(line):
            out["escalate"] = {"seconds": float(m[1]), "queries": int(m[2]), "tickets": int(m[3])}
        elif m := HEADER.search(line):
            out["tickets"] = int(m[1])
    return out


def _env(engine: str) -> dict:
    ours = ("DATABASE_URL", "TMPDIR", "DJANGO_SETTINGS_MODULE", "BENCH_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env["HELPDESK_PEER_ROOT"] = str(PEER_ROOT)
    if engine == "postgres":
        url = os.environ.get("PEER_DATABASE_URL")
        pg_env = PEER_ROOT / "pg.env"
        if not url and pg_env.exists():
            url = pg_env.read_text().strip().split("=", 1)[1]
        if not url:
            raise SystemExit(
                "peer on PostgreSQL: set PEER_DATABASE_URL or run the peer's setup.sh with "
                "DATABASE_URL pointing at a database of your own"
            )
        env["DATABASE_URL"] = url
    return env


def run(engine: str, tickets: int, runs: int, escalate: bool, reuse_hours: float) -> dict:
    """The peer's figures: from a result file younger than `reuse_hours`, else a new run."""
    path = result_file(engine, tickets)
    if reuse_hours and path.exists() and time.time() - path.stat().st_mtime < reuse_hours * 3600:
        figures = parse(path.read_text())
        if figures.get("tickets") == tickets and "datatable" in figures:
            print(f"peer: reusing {path} ({(time.time() - path.stat().st_mtime) / 60:.0f} min old)")
            figures["source"] = str(path)
            return figures
    python = PEER_ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        subprocess.run(["bash", str(PEER_DIR / "setup.sh")], env=_env(engine), check=True)
    env = _env(engine)
    VAR.mkdir(exist_ok=True)
    print(f"peer: seeding {tickets:,} tickets and running its bench.py on {engine} ...", flush=True)
    start = time.perf_counter()
    with open(path, "w") as out:
        for cmd in (
            [str(python), str(PEER_DIR / "seed.py"), "--tickets", str(tickets), "--reset"],
            [str(python), str(PEER_DIR / "bench.py"), "--runs", str(runs)]
            + ([] if escalate else ["--escalate", "skip"]),
        ):
            subprocess.run(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, cwd=str(PEER_DIR)
            )
    print(f"peer: done in {time.perf_counter() - start:.0f} s, output in {path}")
    figures = parse(path.read_text())
    figures["source"] = str(path)
    return figures
