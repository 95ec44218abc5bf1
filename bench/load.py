"""Throughput under concurrent load: gunicorn with 2 workers, Debian's wrk on loopback.

    .venv/bin/python -m bench.load                             # SQLite, var/bench.sqlite3
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load \
        .venv/bin/python -m bench.load                         # PostgreSQL (createdb first)

Prepares the benchmark school (`bench.generate.generate`, 100,000 hazards by default), starts
gunicorn on 127.0.0.1 with the bench settings (production settings, DEBUG off, no HTTPS),
logs the principal in over HTTP like a browser (session cookie, CSRF token from the form),
then runs wrk for a fixed time against each endpoint: the bare page (the floor), the queue's
first page, the report form, and the report form's POST, which creates real hazards. After
the POST run the new hazards are counted in the database against the 302 answers, and their
numbers must follow each other without gaps or duplicates. Prints one markdown table and
exits 1 on any error: a status other than the expected one (a GET must answer 200, a POST
302 to the new hazard), a socket error, an error in gunicorn's log, or a count that differs.
gunicorn is stopped at the end, whatever happens.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.generate import generate  # noqa: E402
from hazards.models import Hazard, HazardEvent  # noqa: E402

HERE = Path(__file__).resolve().parent
LUA = HERE / "load" / "wrk.lua"
HOST = "localhost"  # in the bench settings' ALLOWED_HOSTS; gunicorn listens on 127.0.0.1
PASSWORD = "gridsafety-demo"  # grids/data/demo_schools.json
MARKER = "Load test hazard"


class Browser:
    """Just enough of a browser: one cookie jar, the Host header, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, text

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise SystemExit("no CSRF token in the page")
    return match.group(1)


def login(port: int, username: str) -> Browser:
    browser = Browser(port)
    login_path = reverse("login")
    status, _, html = browser.request("GET", login_path)
    assert status == 200, f"login page: {status}"
    body = urlencode(
        {"csrfmiddlewaretoken": csrf_token(html), "username": username, "password": PASSWORD}
    ).encode()
    status, headers, _ = browser.request(
        "POST", login_path, body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"login as {username} failed: {status} {headers.get('Location')}")
    return browser


def report_form_body(browser: Browser) -> tuple[bytes, str]:
    """The report form as a browser posts it: multipart, the CSRF token of the page, the cell
    and category it offers first, no photo (the form allows none)."""
    status, _, html = browser.request("GET", reverse("hazards:new"))
    assert status == 200, f"report form: {status}"

    def first_option(name: str) -> str:
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
        if not select:
            raise SystemExit(f"no {name} select in the report form")
        values = [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v]
        selected = re.search(r'<option value="([^"]+)"[^>]*selected', select.group(1))
        return selected.group(1) if selected else values[0]

    fields = {
        "csrfmiddlewaretoken": csrf_token(html),
        "cell": first_option("cell"),
        "spot": "east stairwell",
        "category": first_option("category"),
        "severity": "general",
        "description": f"{MARKER}: a loose handrail",
    }
    boundary = "----loadbench" + secrets.token_hex(8)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, log: Path, access: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
    command = [sys.executable, "-m", "gunicorn", "gridsafety.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120"]
    # Warnings and errors to the log; every answer to the access log, as production does.
    command += ["--log-level", "warning", "--access-logfile", str(access)]
    command += ["--access-logformat", "%(m)s %(U)s %(s)s"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as one at the end
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: {log.read_text()}")
        try:
            status, _, _ = Browser(port).request("GET", reverse("login"))
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_wrk(args, port, path, env, out: Path) -> dict:
    command = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--timeout", "60s", "-s", str(LUA), f"http://127.0.0.1:{port}{path}"]
    env = {**os.environ, "LOAD_HOST": f"{HOST}:{port}", "LOAD_OUT": str(out), **env}
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def check_created(before: int, posted: int) -> list[str]:
    """The hazards the POST run made: as many as 302 answers, numbered without gaps."""
    problems = []
    new = list(
        Hazard.objects.filter(pk__gt=before, description__startswith=MARKER).values_list(
            "pk", "number"
        )
    )
    if len(new) != posted:
        problems.append(f"{len(new)} new hazards in the database, {posted} POSTs answered 302")
    events = HazardEvent.objects.filter(hazard_id__gt=before, action="report").count()
    if events != len(new):
        problems.append(f"{events} report events for {len(new)} new hazards")
    by_prefix: dict[str, list[int]] = {}
    for _pk, number in new:
        prefix, _, seq = number.rpartition("-")
        by_prefix.setdefault(prefix, []).append(int(seq))
    for prefix, seqs in by_prefix.items():
        seqs.sort()
        if len(set(seqs)) != len(seqs):
            problems.append(f"duplicate numbers under {prefix}")
        if seqs[-1] - seqs[0] + 1 != len(seqs):
            problems.append(f"gaps in the numbers under {prefix}: {seqs[0]}..{seqs[-1]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--user", default="principal")
    args = parser.parse_args()
    args.wrk = shutil.which("wrk")
    if not args.wrk:
        print("wrk is missing: sudo apt-get install wrk", file=sys.stderr)
        return 1

    start = time.perf_counter()
    generate(args.hazards)
    total = Hazard.objects.count()
    print(
        f"data: {total:,} hazards on {connection.vendor} "
        f"(ready in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    log = work / "gunicorn.log"
    port = free_port()
    rows, problems = [], []
    load_before = os.getloadavg()
    access = work / "access.log"
    server = start_gunicorn(port, args.workers, log, access)
    try:
        browser = login(port, args.user)
        cookie = browser.cookie_header()
        body, content_type = report_form_body(browser)
        (work / "report.body").write_bytes(body)
        new_path = reverse("hazards:new")
        endpoints = [
            ("bare page (floor)", "GET", reverse("bench-bare"), {}),
            ("queue, first page", "GET", reverse("hazards:list") + "?tab=queue", {}),
            ("report form, GET", "GET", new_path, {}),
            (
                "report form, POST (creates)",
                "POST",
                new_path,
                {
                    "LOAD_BODY_FILE": str(work / "report.body"),
                    "LOAD_CONTENT_TYPE": content_type,
                    "LOAD_EXPECT_LOCATION": r"^/hazards/%d+/$",
                },
            ),
        ]
        before = Hazard.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        connection.close()
        for n, (label, method, path, extra) in enumerate(endpoints):
            if method == "GET":  # warm every worker up; the page must be the real one
                for _ in range(2 * args.workers):
                    status, _, html = browser.request("GET", path)
                    if status != 200 or "</html>" not in html:
                        raise SystemExit(f"{label}: {status} before the load")
            env = {"LOAD_METHOD": method, "LOAD_COOKIE": cookie, **extra}
            result = run_wrk(args, port, path, env, work / f"wrk-{n}.json")
            expected = "302" if method == "POST" else "200"
            statuses = result["statuses"]
            good = statuses.get(expected, 0)
            unexpected = result["requests"] - good
            bad_status = sum(n for s, n in statuses.items() if not 200 <= int(s) < 400)
            sockets = sum(result[k] for k in ("connect", "read", "write", "timeout"))
            rps = result["requests"] / (result["duration_us"] / 1e6)
            rows.append((label, method, rps, result, bad_status, sockets))
            if unexpected or sockets or result["badlocation"]:
                problems.append(f"{label}: statuses {statuses}, socket errors {sockets}")
            if method == "POST":
                # wrk stops with up to one request per connection in flight: the server
                # finishes those, so the database is compared with the server's count.
                time.sleep(3)
                served = access.read_text().splitlines().count(f"POST {path} 302")
                if not good <= served <= good + args.connections:
                    problems.append(f"wrk saw {good} POSTs answered 302, gunicorn {served}")
                problems += check_created(before, served)
            print(f"{label}: {rps:.1f} requests/s, statuses {statuses}", flush=True)
    finally:
        stop(server)
    load_after = os.getloadavg()

    logged = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if re.search(r"Traceback|Error|locked|WARNING|CRITICAL", line)
    ]
    if logged:
        problems.append("gunicorn's log:\n    " + "\n    ".join(logged[:20]))

    floor = rows[0][2]
    print(
        f"\n{connection.vendor}, {total:,} hazards; gunicorn {args.workers} sync workers; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per endpoint; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after\n"
    )
    print(
        "| endpoint | requests/s | p50 ms | p99 ms | non-2xx/3xx | socket errors | x bare |\n"
        "|---|---|---|---|---|---|---|"
    )
    for label, _method, rps, result, bad_status, sockets in rows:
        print(
            f"| {label} | {rps:.1f} | {result['p50_us'] / 1000:.0f} | "
            f"{result['p99_us'] / 1000:.0f} | {bad_status} | {sockets} | {rps / floor:.2f} |"
        )
    if problems:
        print("\nFAILED:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 1
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
