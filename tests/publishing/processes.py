"""Real processes for the integration tests: a private redis-server, Celery
workers and beat, started and killed by process id. Loopback only."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

from tests.publishing.fakes import free_port

BASE_DIR = Path(settings.BASE_DIR)


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    """A redis-server of the test's own (never the machine's shared one), without persistence,
    so a restart loses every queued message, as a crashed broker would."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                "redis-server",
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
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("The private redis-server did not start within 10 s.")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()
        self.restarts += 1


def database_url() -> str:
    """The test database (pytest-django's test_<name>), for processes that must share it."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def celery_env(broker_url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tracker.settings_test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "SITE_URL": settings.SITE_URL,
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


class CeleryProcess:
    """`celery -A tracker worker|beat` in its own process group, so SIGKILL takes its children too."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> CeleryProcess:
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", *self.args],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started_at = time.monotonic()
        return self

    def wait_for_log(self, text: str, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_start)
                if text.encode() in log.read():
                    return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process and its pool children at once."""
        if self.process and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def worker(env: dict, log_path: Path, name: str) -> CeleryProcess:
    return CeleryProcess(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        env,
        log_path,
    )


def beat(env: dict, log_path: Path, schedule: Path) -> CeleryProcess:
    return CeleryProcess(["beat", "--loglevel=INFO", "-s", str(schedule)], env, log_path)


def forget_broker_connections(app) -> None:
    """Close this process's broker connections, so the next use connects to `broker_url` anew."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_conf(app, **values):
    """Override Celery settings for a block, then put back exactly what was there: an
    earlier override, or nothing (Celery then reads Django's settings again)."""
    missing = object()
    saved = {key: app.conf.changes.get(key, missing) for key in values}
    for key, value in values.items():
        app.conf[key] = value
    try:
        yield app
    finally:
        for key, value in saved.items():
            if value is missing:
                app.conf.changes.pop(key, None)
            else:
                app.conf[key] = value


@contextmanager
def broker_env(broker_url: str):
    """Celery reads CELERY_BROKER_URL from the process environment before any
    setting (celery.app.utils.Settings.broker_url), so CI's broker would win:
    point the environment at `broker_url` too, for the block."""
    previous = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous


@contextmanager
def tasks_queued_to(broker_url: str):
    """Make this process queue tasks to `broker_url` (not inline), as the web process would."""
    from tracker.celery import app

    forget_broker_connections(app)
    try:
        with broker_env(broker_url), celery_conf(app, broker_url=broker_url, task_always_eager=False):
            assert app.conf.broker_url == broker_url
            yield app
    finally:
        forget_broker_connections(app)
