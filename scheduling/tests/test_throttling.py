"""Booking and manage-token look-ups are limited, with counters every worker shares (failed admin sign-ins:
accounts/tests/test_signin_lockout.py)."""

import pytest

pytestmark = pytest.mark.django_db


def test_booking_beyond_the_rate_is_429_with_retry_after(isolated_cache, book, tomorrow):
    isolated_cache["booking"] = "3/minute"
    statuses = [book(tomorrow, f"{hour}:00").status_code for hour in (9, 10, 11, 12)]
    assert statuses == [200, 200, 200, 429]
    limited = book(tomorrow, "13:00")
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"


def test_guessing_manage_tokens_is_throttled(isolated_cache, api, book, tomorrow):
    isolated_cache["manage"] = "5/minute"
    booking_id = book(tomorrow, "09:00").json()["booking_id"]
    statuses = [api.get(f"/api/calendly/bookings/{booking_id}", {"token": f"guess{n}"}).status_code for n in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]


def test_availability_is_not_throttled(isolated_cache, availability, tomorrow):
    isolated_cache["booking"] = isolated_cache["manage"] = "1/minute"
    assert {availability(tomorrow).status_code for _ in range(5)} == {200}


@pytest.mark.live_server_process
@pytest.mark.parametrize("cache", ["file", "redis"])
def test_every_worker_counts_against_one_limit(tmp_path, cache):
    """Four worker processes, one limit: counters in process memory would let 4 x 5 requests through."""
    import redis

    from scheduling.tests.live import manage, request, server_env, servers

    extra = {"THROTTLE_BOOKING_RATE": "5/hour"}
    if cache == "redis":
        redis_url = "redis://127.0.0.1:6379/15"
        try:
            redis.Redis.from_url(redis_url).flushdb()
        except redis.ConnectionError:
            pytest.skip("no Redis at 127.0.0.1:6379")
        extra["REDIS_URL"] = redis_url
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra)
    manage(env, "migrate", "--noinput")
    bad_request = {"patient_name": ""}  # throttling happens before validation, so 400s count too
    with servers(env, workers=4) as (server,):
        statuses = [request("POST", f"{server.url}/api/calendly/book", bad_request)[0] for _ in range(16)]
    assert statuses.count(400) == 5
    assert statuses.count(429) == 11
