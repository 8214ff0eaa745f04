"""Availability served from each worker's cache stops offering a booked time: at once on one host (the
versions live in a file every worker maps), and within CALENDAR_VERSIONS_MAX_AGE_SECONDS across hosts
(Redis), while the worker that took the booking never offers it again."""

import time
from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.tests.live import fire_together, manage, postgres_database, request, server_env, servers

pytestmark = pytest.mark.live_server_process

BOUND_SECONDS = 1.0


def availability_url(url: str, day) -> str:
    return f"{url}/api/calendly/availability?date={day}&appointment_type=consultation"


def offered(url: str, day) -> set[str]:
    status, answer = request("GET", availability_url(url, day))
    assert status == 200, answer
    return {slot["start"] for slot in answer["available_slots"]}


def book(url: str, day, start: str) -> None:
    body = {"patient_name": "Ada", "appointment_type": "consultation", "date": str(day), "start_time": start}
    status, answer = request("POST", f"{url}/api/calendly/book", body)
    assert status == 200, answer


def warm(url: str, day) -> None:
    """Enough requests at once that every worker has the day cached."""
    results = fire_together([("GET", availability_url(url, day), None)] * 24)
    assert {status for status, _ in results} == {200}


def test_on_one_host_no_worker_offers_a_booked_time_after_the_booking(tmp_path):
    day = clinic_time.today() + timedelta(days=2)
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    with servers(env, workers=4) as (server,):
        warm(server.url, day)
        book(server.url, day, "10:00")
        answers = fire_together([("GET", availability_url(server.url, day), None)] * 24)
    still_offering = [a for _, a in answers if "10:00" in {s["start"] for s in a["available_slots"]}]
    assert still_offering == []


def test_across_hosts_the_booking_worker_stops_at_once_and_the_others_within_the_bound(tmp_path):
    import redis

    redis_url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(redis_url).flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    day = clinic_time.today() + timedelta(days=2)
    with postgres_database() as database_url:
        env = server_env(
            tmp_path, database_url, REDIS_URL=redis_url, CALENDAR_VERSIONS_MAX_AGE_SECONDS=str(BOUND_SECONDS)
        )
        manage(env, "migrate", "--noinput")
        # One worker each, so "the worker that booked" and "another host's worker" are both known.
        with servers(env, count=2, workers=1) as (booking_host, other_host):
            for url in (booking_host.url, other_host.url):
                assert "10:00" in offered(url, day)  # cached now, under the versions before the booking
            book(booking_host.url, day, "10:00")
            booked_at = time.monotonic()
            assert "10:00" not in offered(booking_host.url, day)
            while "10:00" in offered(other_host.url, day):
                assert time.monotonic() - booked_at < BOUND_SECONDS + 1.0, "still offered past the bound"
                time.sleep(0.05)
