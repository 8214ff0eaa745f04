"""No data lost: a SIGKILL mid-burst loses no confirmed booking, and online backups, encrypted, restore."""

import http.client
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from pyrage import x25519

from scheduling.tests.live import PROJECT, fire_together, manage, request, server_env, servers

pytestmark = pytest.mark.live_server_process


def booking(day, hour, minute, n):
    start = f"{hour:02d}:{minute:02d}"
    return {"patient_name": f"P{n}", "appointment_type": "follow-up", "date": day.isoformat(), "start_time": start}


def burst(url, count, first_day):
    """Bookings for distinct slots, some deliberately contested, in the order they will be sent."""
    slots = [(first_day + timedelta(days=d), h, m) for d in range(7) for h in range(9, 17) for m in (0, 15, 30, 45)]
    return [("POST", f"{url}/api/calendly/book", booking(*slots[n // 2], n)) for n in range(count)]


def overlapping_pairs(db_path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute(
            """SELECT count(*) FROM scheduling_booking a JOIN scheduling_booking b
               ON a.id < b.id AND a.practitioner_id = b.practitioner_id
               AND a.status = 'confirmed' AND b.status = 'confirmed'
               AND a.blocked_from < b.blocked_until AND b.blocked_from < a.blocked_until"""
        ).fetchone()[0]


def stored_references(db_path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        return {row[0] for row in db.execute("SELECT reference FROM scheduling_booking WHERE status = 'confirmed'")}


def test_sigkill_in_a_booking_burst_loses_no_confirmed_booking(tmp_path):
    db_path = tmp_path / "db.sqlite3"
    env = server_env(tmp_path, f"sqlite:///{db_path}")
    manage(env, "migrate", "--noinput")
    confirmed: list[str] = []
    lock = threading.Lock()
    day = timezone.localdate() + timedelta(days=1)

    with servers(env, workers=4) as (server,):
        calls = burst(server.url, 400, day)

        def send(chunk):
            for call in chunk:
                try:
                    status, body = request(*call, timeout=10)
                except (OSError, http.client.HTTPException):
                    return  # the server is gone, perhaps mid-answer; this request's fate is unknown
                if status == 200:
                    with lock:
                        confirmed.append(body["booking_id"])

        threads = [threading.Thread(target=send, args=(calls[i::8],)) for i in range(8)]
        for thread in threads:
            thread.start()
        while len(confirmed) < 40 and any(t.is_alive() for t in threads):
            threading.Event().wait(0.01)
        server.stop(signal.SIGKILL)  # the whole process group: master and workers, mid-burst
        for thread in threads:
            thread.join()

    assert len(confirmed) >= 40
    with servers(env, workers=2) as (restarted,):
        assert request("GET", f"{restarted.url}/healthz")[0] == 200
    assert set(confirmed) <= stored_references(db_path)
    assert overlapping_pairs(db_path) == 0


def test_an_online_backup_taken_during_bookings_restores_every_booking_it_holds(tmp_path):
    live_dir, restored_dir = tmp_path / "live", tmp_path / "restored"
    live_dir.mkdir()
    restored_dir.mkdir()
    key = x25519.Identity.generate()
    # The server holds only the public key: it can write backups it cannot read.
    env = server_env(live_dir, f"sqlite:///{live_dir / 'db.sqlite3'}", BACKUP_ENCRYPTION_KEY=str(key.to_public()))
    manage(env, "migrate", "--noinput")
    day = timezone.localdate() + timedelta(days=1)
    backup = tmp_path / "backup.sqlite3.age"

    with servers(env, workers=2) as (server,):
        before = [body["booking_id"] for status, body in fire_together(burst(server.url, 40, day)[::2])]
        writer = threading.Thread(target=fire_together, args=(burst(server.url, 60, day + timedelta(days=3)),))
        writer.start()
        result = subprocess.run(
            [sys.executable, "manage.py", "backup_database", "--output", str(backup)],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
        )
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stdout and "(encrypted)" in result.stdout
    assert backup.read_bytes().startswith(b"age-encryption.org/v1\n")

    # The restore docs/operations.md documents: with the server stopped, restore_database and the secret key.
    restored_env = server_env(restored_dir, f"sqlite:///{restored_dir / 'db.sqlite3'}", BACKUP_ENCRYPTION_KEY=str(key))
    restored = subprocess.run(
        [sys.executable, "manage.py", "restore_database", str(backup)],
        cwd=PROJECT,
        env=restored_env,
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stderr
    with servers(restored_env, workers=2) as (server,):
        query = f"{server.url}/api/calendly/availability?date={day}&appointment_type=follow-up"
        status, body = request("GET", query)
        assert status == 200
        assert "09:00" not in [slot["start"] for slot in body["available_slots"]]  # booked before the backup
    assert set(before) <= stored_references(restored_dir / "db.sqlite3")
    assert overlapping_pairs(restored_dir / "db.sqlite3") == 0


def test_backup_refuses_to_overwrite(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    (tmp_path / "taken.sqlite3").write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "backup_database", "--unencrypted", "--output", str(tmp_path / "taken.sqlite3")],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "already exists" in result.stderr
