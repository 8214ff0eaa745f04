"""Real worker processes (`manage.py db_worker`) against a real SMTP server: a worker killed with SIGKILL
in the middle of a batch loses nothing, and two workers sharing one PostgreSQL database send each message
exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from outbox.tests.mail import Inbox
from scheduling import clinic_time
from scheduling.tests.live import (
    PROJECT,
    database_of_this_run,
    free_port,
    manage,
    postgres_database,
    request,
    server_env,
    servers,
    start_worker,
    stop,
    wait_until,
)

pytestmark = pytest.mark.live_server_process


def book_patients(url: str, count: int) -> None:
    """`count` bookings from three days ahead, so only their confirmations are due now."""
    first_day = clinic_time.today() + timedelta(days=3)
    for n in range(count):
        day, slot = first_day + timedelta(days=n // 16), n % 16
        body = {
            "appointment_type": "consultation",
            "date": day.isoformat(),
            "start_time": f"{9 + slot // 2:02d}:{30 * (slot % 2):02d}",
            "patient_name": f"Patient {n}",
            "patient_email": f"patient{n}@example.com",
        }
        status, answer = request("POST", f"{url}/api/calendly/book", body)
        assert status == 200, answer


def outbox(env: dict) -> dict:
    """Rows by status and the workers that ran send tasks, read by a separate process as an operator would."""
    code = (
        "import json; from django.db.models import Count; from notifications.models import Message; "
        "from django_tasks_db.models import DBTaskResult; "
        "rows = Message.objects.filter(kind='confirmation').order_by().values('status').annotate(n=Count('pk')); "
        "workers = DBTaskResult.objects.filter(status='SUCCESSFUL').values_list('worker_ids', flat=True); "
        "print(json.dumps({'status': {r['status']: r['n'] for r in rows}, "
        "'workers': sorted({w for ids in workers for w in ids})}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def inbox():
    server = Inbox(free_port(), delay=0.2).start()
    yield server
    server.stop()


def worker_env(tmp_path, database_url: str, inbox: Inbox) -> dict:
    return server_env(
        tmp_path,
        database_url,
        EMAIL_URL=f"smtp://127.0.0.1:{inbox.port}",
        OUTBOX_LEASE_SECONDS="2",
        OUTBOX_SWEEP_GRACE_SECONDS="1",
    )


def test_a_worker_killed_mid_batch_loses_no_message(tmp_path, inbox):
    count = 20
    with database_of_this_run(tmp_path) as database_url:
        env = worker_env(tmp_path, database_url, inbox)
        manage(env, "migrate", "--noinput")
        with servers(env, workers=2) as (server,):
            book_patients(server.url, count)
        worker = start_worker(env, "doomed")
        wait_until(lambda: len(inbox.messages) >= 5)
        stop(worker, signal.SIGKILL)
        assert len(set(inbox.message_ids())) < count  # killed in the middle of the batch

        time.sleep(2.5)  # the killed worker's lease on the message it was sending lapses
        manage(env, "sweep_outbox")
        worker = start_worker(env, "restarted")
        try:
            wait_until(lambda: len(set(inbox.message_ids())) == count)
        finally:
            stop(worker)
        state = outbox(env)

    ids = inbox.message_ids()
    assert len(set(ids)) == count  # every confirmation arrived
    # At most the one in flight at the kill arrives twice (SMTP accepted it, the worker died before
    # recording so); it carries the same Message-ID, so mail systems can drop the copy.
    assert len(ids) - len(set(ids)) <= 1
    assert state["status"] == {"sent": count}


def test_two_workers_on_one_postgresql_database_send_each_message_once(tmp_path, inbox):
    count = 40
    inbox.delay = 0.05
    with postgres_database() as database_url:
        env = worker_env(tmp_path, database_url, inbox)
        manage(env, "migrate", "--noinput")
        with servers(env, workers=2) as (server,):
            book_patients(server.url, count)
        workers = [start_worker(env, "host-a"), start_worker(env, "host-b")]
        try:
            wait_until(lambda: len(inbox.messages) >= count)
            time.sleep(2)  # time for any duplicate to show up
        finally:
            for worker in workers:
                stop(worker)
        state = outbox(env)

    ids = inbox.message_ids()
    assert len(ids) == count
    assert len(set(ids)) == count
    assert state["status"] == {"sent": count}
    assert state["workers"] == ["host-a", "host-b"]  # both took a share
