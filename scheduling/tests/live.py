"""Real gunicorn servers in separate processes, for tests that must cross process boundaries."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "THROTTLE_BOOKING_RATE": "100000/minute",
        "THROTTLE_MANAGE_RATE": "100000/minute",
        "THROTTLE_HOLD_RATE": "100000/minute",
        "THROTTLE_WAITLIST_RATE": "100000/minute",
        "HOLDS_PER_CLIENT_AT_ONCE": "100000",
        "HOLDS_PER_CLIENT_PER_DAY": "100000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for servers to share; skipped where no server runs (fails in CI)."""
    import psycopg
    import pytest

    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no PostgreSQL at {POSTGRES_ADMIN_URL}: {error}")
    name = f"clinic_live_{os.getpid()}_{int(time.time() * 1000)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> str:
    """`manage.py <args>` in its own process with `env`; what it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


class Server:
    """One gunicorn master with its workers, on its own port."""

    def __init__(self, env: dict[str, str], workers: int | None = 4, options: tuple[str, ...] = ()):
        """`workers=None` keeps gunicorn.conf.py's own choice, as `make run` does; `options` are gunicorn's
        command-line options, which override gunicorn.conf.py (the bench compares worker classes so)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        sizing = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": "2"} if workers else {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *options],
            cwd=PROJECT,
            env={**env, "PORT": str(self.port), **sizing},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.wait_until_up()

    def wait_until_up(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                if request("GET", f"{self.url}/healthz")[0] == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError("gunicorn did not answer /healthz")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)


@contextlib.contextmanager
def servers(env: dict[str, str], count: int = 1, workers: int = 4) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        for _ in range(count):
            started.append(Server(env, workers))
        yield started
    finally:
        for server in started:
            server.stop()


def request(
    method: str, url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 60
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload)
        except ValueError:
            return error.code, {"raw": payload.decode(errors="replace")[:500]}


def fire_together(calls: list[tuple[str, str, dict | None]], headers: dict | None = None) -> list[tuple[int, dict]]:
    """Send all requests at once: every thread waits at a barrier, then they go together."""
    barrier = threading.Barrier(len(calls))

    def send(call):
        method, url, body, *own_headers = call  # a call may bring its own headers
        barrier.wait()
        return request(method, url, body, headers=own_headers[0] if own_headers else headers)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def staff_token(env) -> str:
    code = (
        "from django.contrib.auth.models import User; from django.core.management import call_command; "
        "User.objects.create_superuser('fuzz'); call_command('create_staff_token', 'fuzz')"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


@contextlib.contextmanager
def database_of_this_run(tmp_path) -> Iterator[str]:
    """The engine the suite runs on (`make test-postgres` sets DATABASE_URL), so live tests cover both."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with postgres_database() as database_url:
            yield database_url
    else:
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"


def start_worker(env: dict, worker_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2", "--worker-id", worker_id],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def wait_until(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
