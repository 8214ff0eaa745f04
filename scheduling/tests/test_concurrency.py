"""Real gunicorn processes racing for the same time: exactly one request wins each contest, on one SQLite
file behind several workers and on one PostgreSQL database behind two separate servers (two hosts)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.tests.live import fire_together, manage, postgres_database, server_env, servers

pytestmark = pytest.mark.live_server_process


def booking(day, start, type_slug, n):
    return {"patient_name": f"Patient {n}", "appointment_type": type_slug, "date": day.isoformat(), "start_time": start}


def contest(urls, bodies):
    """Spread the requests over every server in turn and fire them all at once."""
    targets = itertools.cycle(urls)
    return fire_together([("POST", f"{next(targets)}/api/calendly/book", body) for body in bodies])


def assert_one_winner_per_contest(urls):
    day = timezone.localdate() + timedelta(days=2)
    same_slot = contest(urls, [booking(day, "10:00", "consultation", n) for n in range(30)])
    # Every one of these contains 11:45-12:00, so at most one can exist.
    mixed = [booking(day, "11:00", "therapy", n) for n in range(10)]
    mixed += [booking(day, "11:30", "consultation", n) for n in range(10)]
    mixed += [booking(day, "11:45", "follow-up", n) for n in range(10)]
    overlapping = contest(urls, mixed)

    for results in (same_slot, overlapping):
        statuses = sorted(status for status, _ in results)
        assert statuses.count(200) == 1, statuses
        assert statuses.count(409) == len(results) - 1, statuses

    for url in urls:
        query = f"{url}/api/calendly/availability?date={day}&appointment_type=follow-up"
        free = {s["start"] for s in fire_together([("GET", query, None)])[0][1]["available_slots"]}
        assert not free & {"10:00", "10:15", "11:45"}, "a booked time is still offered"


def test_worker_processes_on_one_sqlite_file_never_double_book(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    with servers(env, count=1, workers=4) as running:
        assert_one_winner_per_contest([server.url for server in running])


def test_two_app_hosts_on_one_postgresql_database_never_double_book(tmp_path):
    with postgres_database() as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        with servers(env, count=2, workers=2) as running:
            assert len({server.port for server in running}) == 2
            urls = [server.url for server in running]
            assert_one_winner_per_contest(urls)

            # A phone retrying one request through both hosts at once still makes one booking.
            retry = booking(timezone.localdate() + timedelta(days=3), "09:00", "consultation", 0)
            targets = itertools.cycle(urls)
            calls = [("POST", f"{next(targets)}/api/calendly/book", retry, {"Idempotency-Key": "retry"})] * 12
            results = fire_together(calls)
            assert {status for status, _ in results} == {200}
            assert len({answer["booking_id"] for _, answer in results}) == 1
