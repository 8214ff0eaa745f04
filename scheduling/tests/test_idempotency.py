"""Idempotency-Key: phones on bad networks retry; a retry must not book twice or get a 409."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from scheduling.models import Booking
from scheduling.tests.live import fire_together, manage, server_env, servers

pytestmark = pytest.mark.django_db


def body(day, start="10:00", name="Rahul Sharma"):
    return {"patient_name": name, "appointment_type": "consultation", "date": day.isoformat(), "start_time": start}


def post(api, data, key):
    return api.post("/api/calendly/book", data, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_and_body_returns_the_original_response(api, tomorrow):
    first = post(api, body(tomorrow), "key-1")
    retry = post(api, body(tomorrow), "key-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_the_same_key_with_another_body_is_422(api, tomorrow):
    post(api, body(tomorrow), "key-2")
    response = post(api, body(tomorrow, "11:00"), "key-2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_different_keys_are_different_requests(api, tomorrow):
    assert post(api, body(tomorrow), "key-a").status_code == 200
    assert post(api, body(tomorrow), "key-b").status_code == 409


def test_a_failed_request_is_not_remembered(api, tomorrow):
    assert post(api, body(tomorrow, "10:10"), "key-3").status_code == 400
    assert post(api, body(tomorrow, "10:10"), "key-3").status_code == 400


def test_keys_expire_after_24_hours(api, tomorrow):
    post(api, body(tomorrow), "key-4")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = post(api, body(tomorrow + timedelta(days=1)), "key-4")
    assert response.status_code == 200
    assert Booking.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_malformed_key_names_the_header(api, tomorrow, key):
    response = post(api, body(tomorrow), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


def test_a_cancel_retry_returns_the_first_answer(api, tomorrow):
    made = post(api, body(tomorrow), "key-5").json()
    url = f"/api/calendly/bookings/{made['booking_id']}/cancel?token={made['manage_token']}"
    first = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    retry = api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == retry.status_code == 200


def test_a_replay_still_needs_the_manage_token(api, tomorrow):
    made = post(api, body(tomorrow), "key-6").json()
    url = f"/api/calendly/bookings/{made['booking_id']}/cancel"
    api.post(f"{url}?token={made['manage_token']}", {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-2")
    assert api.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-2").status_code == 404


@pytest.mark.live_server_process
def test_concurrent_duplicates_on_several_workers_make_one_booking(tmp_path):
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    day = timezone.localdate() + timedelta(days=3)
    with servers(env, workers=4) as (server,):
        calls = [("POST", f"{server.url}/api/calendly/book", body(day), {"Idempotency-Key": "dup"})] * 12
        results = fire_together(calls)
    assert {status for status, _ in results} == {200}
    assert len({answer["booking_id"] for _, answer in results}) == 1


def test_the_purge_command_deletes_only_expired_keys(api, tomorrow):
    from io import StringIO

    from django.core.management import call_command

    from scheduling.models import IdempotencyRecord

    post(api, body(tomorrow), "new-key")
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        post(api, body(tomorrow + timedelta(days=1)), "old-key")
    output = StringIO()
    call_command("purge_idempotency_keys", stdout=output)
    assert "Deleted 1 expired" in output.getvalue()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
