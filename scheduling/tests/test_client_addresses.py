"""Client addresses cannot be forged, and one client cannot hold a clinic's day.

Every throttle counts per client address (clinic_project/clients.py). With no proxy configured the peer
is the client, whatever `X-Forwarded-For` says; behind N proxies only the N-th address from the right
counts. Holds are also limited per client: a few at once, a dozen a day.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory

from clinic_project.clients import client_address
from scheduling import clinic_time
from scheduling.models import Booking
from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


@pytest.fixture
def hold(api):
    def post(day, start_time, appointment_type="consultation", forwarded_for=None, peer="203.0.113.9"):
        headers = {"REMOTE_ADDR": peer}
        if forwarded_for:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
        body = {"appointment_type": appointment_type, "date": day.isoformat(), "start_time": start_time}
        return api.post("/api/calendly/holds", body, format="json", **headers)

    return post


def release(api, hold_id: str):
    return api.post("/api/calendly/holds/release", {"hold_id": hold_id}, format="json", REMOTE_ADDR="203.0.113.9")


def follow_up_times(availability, day) -> list[str]:
    return starts(availability(day, "follow-up"))


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "203.0.113.9"),  # no proxy: the header is the client's own claim
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left part is forged, the proxy appended the rest
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "203.0.113.9"),  # through fewer proxies than configured: only the peer is known
        (1, "not-an-address", "203.0.113.9"),
        (1, "", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_peer_or_the_nth_forwarded_address_from_the_right(
    settings, proxies, forwarded_for, expected
):
    settings.NUM_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected


def test_with_no_proxy_a_new_forwarded_address_per_request_is_still_one_client(
    isolated_cache, hold, availability, follow_up, tomorrow
):
    isolated_cache["hold"] = "3/hour"
    times = follow_up_times(availability, tomorrow)[:5]
    statuses = [
        hold(tomorrow, t, "follow-up", forwarded_for=f"198.51.100.{n}").status_code for n, t in enumerate(times)
    ]
    assert statuses == [201, 201, 201, 429, 429]


def test_behind_one_proxy_forged_left_parts_do_not_make_new_clients(
    settings, isolated_cache, hold, availability, follow_up, tomorrow
):
    settings.NUM_PROXIES = 1
    isolated_cache["hold"] = "2/hour"
    times = follow_up_times(availability, tomorrow)
    one_client = [
        hold(tomorrow, t, "follow-up", forwarded_for=f"6.6.6.{n}, 198.51.100.7").status_code
        for n, t in enumerate(times[:3])
    ]
    assert one_client == [201, 201, 429]
    # Another client behind the same proxy has its own allowance.
    assert hold(tomorrow, times[3], "follow-up", forwarded_for="198.51.100.8").status_code == 201


def test_one_client_holds_only_a_few_times_at_once_however_it_names_itself(
    settings, hold, availability, follow_up, tomorrow
):
    """The finding: one client held all 32 follow-up slots of a day, each request with a new forwarded
    address. Now it holds three, then hears how long to wait."""
    settings.HOLDS_PER_CLIENT_AT_ONCE = 3
    times = follow_up_times(availability, tomorrow)
    assert len(times) == 32
    answers = [hold(tomorrow, t, "follow-up", forwarded_for=f"198.51.100.{n}") for n, t in enumerate(times)]
    assert [a.status_code for a in answers] == [201] * 3 + [429] * 29
    refused = answers[3]
    assert refused.json()["code"] == "too_many_holds"
    assert "already holding 3 times" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= settings.HOLD_MINUTES * 60
    assert Booking.objects.filter(status=Booking.Status.HELD).count() == 3
    assert len(follow_up_times(availability, tomorrow)) == 29


def test_a_hold_booked_or_let_go_makes_room_for_another(settings, api, hold, availability, tomorrow):
    settings.HOLDS_PER_CLIENT_AT_ONCE = 2
    times = starts(availability(tomorrow))
    first, second = (hold(tomorrow, t).json()["hold_id"] for t in times[:2])
    assert hold(tomorrow, times[2]).status_code == 429
    booked = api.post("/api/calendly/book", {"hold_id": first, "patient_name": "Ada Lovelace"}, format="json")
    assert booked.status_code == 200
    assert Booking.objects.get(reference=booked.json()["booking_id"]).held_by is None  # no trace of the address
    third = hold(tomorrow, times[2])
    assert third.status_code == 201
    assert hold(tomorrow, times[3]).status_code == 429
    assert release(api, second).status_code == 204
    assert hold(tomorrow, times[3]).status_code == 201


def test_a_lapsed_hold_stops_counting(settings, hold, availability, tomorrow):
    settings.HOLDS_PER_CLIENT_AT_ONCE = 1
    times = starts(availability(tomorrow))
    with time_machine.travel(clinic_time.now(), tick=False) as traveller:
        assert hold(tomorrow, times[0]).status_code == 201
        assert hold(tomorrow, times[1]).status_code == 429
        traveller.shift(timedelta(minutes=settings.HOLD_MINUTES, seconds=1))
        assert hold(tomorrow, times[1]).status_code == 201


def test_another_client_is_not_limited_by_the_first(settings, hold, availability, tomorrow):
    settings.HOLDS_PER_CLIENT_AT_ONCE = 1
    times = starts(availability(tomorrow))
    assert hold(tomorrow, times[0], peer="203.0.113.9").status_code == 201
    assert hold(tomorrow, times[1], peer="203.0.113.9").status_code == 429
    assert hold(tomorrow, times[1], peer="192.0.2.44").status_code == 201


def test_a_client_takes_only_so_many_holds_a_day_without_booking(settings, api, hold, availability, tomorrow):
    settings.HOLDS_PER_CLIENT_AT_ONCE = 10
    settings.HOLDS_PER_CLIENT_PER_DAY = 3
    times = starts(availability(tomorrow))
    with time_machine.travel(clinic_time.now(), tick=False) as traveller:
        for t in times[:3]:
            hold_id = hold(tomorrow, t).json()["hold_id"]
            assert release(api, hold_id).status_code == 204
        refused = hold(tomorrow, times[3])
        assert refused.status_code == 429
        assert "as many as a day allows" in refused.json()["detail"]
        assert 23 * 3600 < int(refused["Retry-After"]) <= 24 * 3600
        traveller.shift(timedelta(days=1, seconds=1))
        assert hold(tomorrow + timedelta(days=1), times[3]).status_code == 201


def test_the_booking_page_counts_the_same_holds(settings, client, hold, availability, tomorrow):
    settings.HOLDS_PER_CLIENT_AT_ONCE = 1
    times = starts(availability(tomorrow))
    assert hold(tomorrow, times[0], peer="127.0.0.1").status_code == 201  # the test client's address
    page = client.post(
        "/book/consultation/times/", {"date": tomorrow.isoformat(), "start": times[1]}, REMOTE_ADDR="127.0.0.1"
    )
    assert page.status_code == 429
    assert "already holding 1 times" in page.content.decode()
    assert int(page["Retry-After"]) > 0


def simultaneous_holds_from_one_client(urls: list[str], day) -> list[int]:
    from scheduling.tests.live import fire_together

    times = [f"{hour:02d}:{minute:02d}" for hour in range(9, 17) for minute in (0, 15, 30, 45)]
    requests = [
        (
            "POST",
            f"{urls[n % len(urls)]}/api/calendly/holds",
            {"appointment_type": "follow-up", "date": str(day), "start_time": t},
        )
        for n, t in enumerate(times[:24])
    ]
    return sorted(status for status, _ in fire_together(requests))


@pytest.mark.live_server_process
def test_simultaneous_holds_of_one_client_on_one_sqlite_file_stop_at_the_limit(tmp_path, tomorrow):
    from scheduling.tests.live import manage, server_env, servers

    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", HOLDS_PER_CLIENT_AT_ONCE="3")
    manage(env, "migrate", "--noinput")
    with servers(env, workers=4) as (server,):
        assert simultaneous_holds_from_one_client([server.url], tomorrow) == [201] * 3 + [429] * 21


@pytest.mark.live_server_process
def test_simultaneous_holds_of_one_client_on_two_postgresql_hosts_stop_at_the_limit(tmp_path, tomorrow):
    from scheduling.tests.live import manage, postgres_database, server_env, servers

    with postgres_database() as database_url:
        env = server_env(tmp_path, database_url, HOLDS_PER_CLIENT_AT_ONCE="3")
        manage(env, "migrate", "--noinput")
        with servers(env, count=2, workers=2) as running:
            urls = [server.url for server in running]
            assert simultaneous_holds_from_one_client(urls, tomorrow) == [201] * 3 + [429] * 21
