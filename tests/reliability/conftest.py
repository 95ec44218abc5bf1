"""Parts of the stack that a fault test starts, breaks and starts again on its own: a private
redis-server on a free port, a Celery worker in its own process, a group robot that fails.

Never the shared PostgreSQL or Redis: those other runs use too.
"""

import collections
import contextlib
import getpass
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection, connections

from ..conftest import require, wait_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_postgres() -> None:
    require(
        connection.vendor == "postgresql",
        "postgres",
        "fault tests run on PostgreSQL, as in production (DATABASE_URL)",
    )


def binary(name: str, service: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/bin")
    require(path is not None, service, f"{name} is not installed")
    return path


class PrivateRedis:
    """A redis-server of the test's own, without persistence: stopping it loses every queued
    task, as a crash of an unpersisted broker would."""

    def __init__(self, executable: str, workdir: Path):
        self.executable = executable
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.answers, timeout=10), "private redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        assert not self.answers()

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def private_redis(transactional_db, tmp_path):
    """A private redis-server as this process's Celery broker, tasks no longer run eagerly.
    The test may stop and start it; it is gone afterwards."""
    require_postgres()
    server = PrivateRedis(binary("redis-server", "redis"), tmp_path)
    from gridsafety.celery import app

    server.start()
    # Not broker_url: a CELERY_BROKER_URL in the environment (CI's) would still win over it.
    settings = {
        "broker_read_url": server.url,
        "broker_write_url": server.url,
        "broker_transport_options": {"max_retries": 0},
        "task_always_eager": False,
    }
    saved = {name: app.conf.get(name) for name in settings}
    use_broker(app, settings)
    try:
        yield server
    finally:
        server.stop()
        use_broker(app, saved)
        connections.close_all()


def use_broker(app, settings) -> None:
    app.conf.update(settings)
    # Pooled connections keep the address they were made for (and app.close() keeps the
    # producers' pool): drop both, as Celery does after a fork.
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def thread_worker():
    """A Celery worker thread in this process on the broker the app now points at."""
    from celery.contrib.testing.worker import start_worker

    from gridsafety.celery import app

    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield app
    finally:
        connections.close_all()


def database_url() -> str:
    """The test database as a URL, for processes started by the test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class WorkerProcess:
    """`celery worker` in a process of its own, on the test database and a private broker, so
    the test can SIGKILL it where it chooses. Its e-mail goes to files in `mail_dir`."""

    def __init__(self, broker_url: str, workdir: Path, **env):
        self.broker_url = broker_url
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.env = env
        self.process = None
        self.log = None

    def start(self) -> None:
        name = f"fault-{uuid.uuid4().hex[:8]}"
        self.log = self.workdir / f"{name}.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": self.broker_url,
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # four slashes: an absolute path
            **self.env,
        }
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "gridsafety",
                    "worker",
                    "--pool",
                    "solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"{name}@localhost",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        assert wait_for(lambda: "ready." in self.output(), timeout=60), self.output()

    def output(self) -> str:
        return self.log.read_text() if self.log and self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, no rollback sent to the database."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def message_ids(self) -> list[str]:
        """The Message-ID of every e-mail this worker (or an earlier one here) sent."""
        ids = []
        for path in self.mail_dir.iterdir():
            for line in path.read_text().splitlines():
                if line.startswith("Message-ID: "):
                    ids.append(line.removeprefix("Message-ID: ").strip())
        return ids


@pytest.fixture
def worker_process(tmp_path):
    workers = []

    def make(broker_url, **env):
        workers.append(WorkerProcess(broker_url, tmp_path, **env))
        return workers[-1]

    yield make
    for worker in workers:
        worker.kill()


class Robot:
    """A group robot on a local port that drops duplicates by idempotency key, as a careful
    receiver would. `fail_rate` of the requests fail (seeded, so each run fails the same
    ones), half with HTTP 500 and half with a robot error code; `block_first` takes the first
    message but holds its answer until `released` is set, so a test can kill the sender
    mid-request."""

    def __init__(self, fail_rate=0.0, seed=7, block_first=False):
        self.random = random.Random(seed)
        self.fail_rate = fail_rate
        self.requests = []  # (key, outcome) per request, in order
        self.accepted = collections.Counter()  # key: times taken as new
        self.duplicates = collections.Counter()  # key: copies dropped
        self.lock = threading.Lock()
        self.blocking = threading.Event()
        self.released = threading.Event()
        if not block_first:
            self.released.set()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                assert body["idempotency_key"] == key
                if not robot.released.is_set():
                    # Taken, but the answer is held back until the sender has been killed:
                    # it never learns, and its retry must be recognised as a copy.
                    with robot.lock:
                        robot.accepted[key] += 1
                        robot.requests.append((key, "taken, answer lost"))
                    robot.blocking.set()
                    robot.released.wait(60)
                    return
                status, errcode, _outcome = robot.decide(key)
                answer = json.dumps({"errcode": errcode}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send?key=robot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def decide(self, key):
        with self.lock:
            roll = self.random.random()
            if roll < self.fail_rate / 2:
                outcome = (500, 500, "http 500")
            elif roll < self.fail_rate:
                outcome = (200, 45009, "errcode")
            elif key in self.accepted:
                self.duplicates[key] += 1
                outcome = (200, 0, "duplicate")
            else:
                self.accepted[key] += 1
                outcome = (200, 0, "taken")
            self.requests.append((key, outcome[2]))
            return outcome

    def attempts(self, key) -> int:
        return sum(1 for k, _outcome in self.requests if k == key)

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot_factory():
    robots = []

    def make(**kwargs):
        robots.append(Robot(**kwargs))
        return robots[-1]

    yield make
    for robot in robots:
        robot.close()


def server_bindir() -> Path:
    """Where initdb and pg_ctl live: on PATH, or Debian's versioned folder."""
    found = shutil.which("initdb") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None
    )
    require(found is not None, "postgres", "initdb (PostgreSQL's server programs) is not installed")
    return Path(found).resolve().parent


class PrivateCluster:
    """A PostgreSQL cluster of the test's own (initdb into a scratch folder, run as the
    `postgres` OS user on a free port), so the test may restart it. Never the shared one."""

    def __init__(self):
        self.bin = server_bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gridsafety-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = (
            [] if os.geteuid() != 0 else [binary("runuser", "postgres"), "-u", "postgres", "--"]
        )
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def run(self, program, *args):
        subprocess.run(
            [*self.as_postgres, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def init(self):
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()

    def pg_ctl(self, action, *args):
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            *args,
            action,
        )

    def start(self):
        self.pg_ctl("start")

    def restart(self):
        """A fast restart: every session is cut, open transactions roll back."""
        self.pg_ctl("restart", "-m", "fast")

    def url(self, name="gridsafety"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_cluster():
    require_postgres()
    require(
        os.geteuid() == 0 or getpass.getuser() == "postgres",
        "postgres",
        "a private PostgreSQL cluster needs root (to run it as postgres) or the postgres user",
    )
    cluster = PrivateCluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.destroy()
