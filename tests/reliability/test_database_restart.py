"""PostgreSQL restarting under load: the requests in flight get the clean error page (no
traceback), nothing of them is written, and the portal serves again at once after.

The portal runs in gunicorn on a PostgreSQL cluster of the test's own, restarted with
`pg_ctl restart -m fast` (every session cut, open transactions rolled back) while reports are
inside their transactions: they wait on a row lock the test holds, so "in flight" is certain.
"""

import http.client
import http.cookies
import json
import os
import subprocess
import sys
import threading
import urllib.parse

import psycopg
import pytest
from django.utils import timezone

from ..conftest import wait_for
from .conftest import ROOT, free_port

IN_FLIGHT = 4
SETUP = """
import json, django
django.setup()
from tests.conftest import build_grid
grid = build_grid()
grid.users["teacher"].set_password("fault-test-password")
grid.users["teacher"].save()
print(json.dumps({
    "cell": grid.cells["class2"].pk,
    "category": grid.school.hazard_categories.get(code="fire").pk,
    "school": grid.school.pk,
}))
"""


class Browser:
    """Just enough of a browser: cookies, CSRF, no redirects followed."""

    def __init__(self, port):
        self.port = port
        self.cookies = http.cookies.SimpleCookie()

    def request(self, method, path, data=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"].value}
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        page = response.read().decode()
        connection.close()
        return response.status, page

    def login(self, username, password):
        self.request("GET", "/accounts/login/")
        status, _page = self.request(
            "POST", "/accounts/login/", {"username": username, "password": password}
        )
        assert status == 302


@pytest.mark.postgres
def test_requests_in_flight_get_a_clean_error_and_service_resumes_after_a_restart(
    private_cluster, tmp_path
):
    env = {
        # No broker: tests.settings runs tasks in the request, so nothing reaches a shared Redis.
        **{k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": private_cluster.url(),
        "CONN_MAX_AGE": "60",
        "DEBUG": "0",
    }
    with psycopg.connect(private_cluster.url("postgres"), autocommit=True) as admin:
        admin.execute("CREATE DATABASE gridsafety")
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    ids = json.loads(
        subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[-1]
    )
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "gridsafety.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "8",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        browser = Browser(port)

        def up():
            try:
                return browser.request("GET", "/accounts/login/")[0] == 200
            except OSError:
                return False

        assert wait_for(up, 60), log.read_text()
        browser.login("teacher", "fault-test-password")

        def post_report(n):
            return browser.request(
                "POST",
                "/hazards/new/",
                {
                    "cell": ids["cell"],
                    "category": ids["category"],
                    "severity": "general",
                    "spot": "stairs",
                    "description": f"Report {n}",
                },
            )

        assert [post_report(n)[0] for n in range(3)] == [302] * 3

        # Reports that wait inside their transaction on the school's row, held by the test.
        holder = psycopg.connect(private_cluster.url())
        holder.execute("SELECT id FROM grids_school WHERE id = %s FOR UPDATE", [ids["school"]])
        results = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(post_report(n)))
            for n in range(3, 3 + IN_FLIGHT)
        ]
        for thread in threads:
            thread.start()

        def waiting():
            with psycopg.connect(private_cluster.url(), autocommit=True) as probe:
                return probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                ).fetchone()[0]

        assert wait_for(lambda: waiting() == IN_FLIGHT, 60), log.read_text()
        private_cluster.restart()
        for thread in threads:
            thread.join(120)
        holder.close()

        assert [status for status, _page in results] == [500] * IN_FLIGHT
        for _status, page in results:
            assert 'id="server-error"' in page
            assert "Traceback" not in page and "OperationalError" not in page
            assert "psycopg" not in page and "SELECT" not in page

        # Full service at once: every request after the restart works.
        assert [post_report(n)[0] for n in range(10, 13)] == [302] * 3
        assert browser.request("GET", "/hazards/")[0] == 200
        assert browser.request("GET", "/")[0] == 200
    finally:
        web.terminate()
        web.wait(30)

    # No partial writes: six reports, each whole, numbered without a gap.
    with psycopg.connect(private_cluster.url()) as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM hazards_hazard ORDER BY 1")]
        descriptions = {row[0] for row in db.execute("SELECT description FROM hazards_hazard")}
        events = db.execute(
            "SELECT hazard_id, count(*) FROM hazards_hazardevent GROUP BY 1"
        ).fetchall()
        notified = db.execute(
            "SELECT hazard_id, count(*) FROM hazards_notification GROUP BY 1"
        ).fetchall()
    day = timezone.localdate().strftime("%Y%m%d")
    assert numbers == [f"YH-{day}-{n:04d}" for n in range(1, 7)]
    assert descriptions == {f"Report {n}" for n in (0, 1, 2, 10, 11, 12)}
    assert len(events) == 6 and {count for _hazard, count in events} == {1}
    assert len(notified) == 6 and {count for _hazard, count in notified} == {1}  # teacher2
