"""The patient's own booking: seen, cancelled and moved with the manage token, invisible without it."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from scheduling.models import Booking
from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(book, tomorrow):
    body = book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()
    return body["booking_id"], body["manage_token"]


def test_the_confirmation_carries_a_manage_url_with_the_token(book, tomorrow):
    body = book(tomorrow, "10:00").json()
    assert body["manage_url"].endswith(f"/manage/{body['booking_id']}/?token={body['manage_token']}")
    assert Booking.objects.get().manage_token_digest == ""  # derived from the reference, never stored


def test_the_token_shows_the_booking(api, booked):
    booking_id, token = booked
    response = api.get(f"/api/calendly/bookings/{booking_id}", {"token": token})
    assert response.status_code == 200
    assert response.json()["patient_name"] == "Ada Lovelace"
    assert response.json()["start_time"] == "10:00"


def test_the_token_also_works_as_a_header(api, booked):
    booking_id, token = booked
    assert api.get(f"/api/calendly/bookings/{booking_id}", HTTP_X_MANAGE_TOKEN=token).status_code == 200


def test_a_wrong_token_and_an_unknown_booking_look_the_same(api, booked):
    booking_id, token = booked
    wrong = api.get(f"/api/calendly/bookings/{booking_id}", {"token": token[:-1] + "x"})
    missing = api.get("/api/calendly/bookings/bk_00000000000000000000", {"token": token})
    no_token = api.get(f"/api/calendly/bookings/{booking_id}")
    assert wrong.status_code == missing.status_code == no_token.status_code == 404
    assert wrong.json() == missing.json() == no_token.json()
    assert "Ada" not in wrong.content.decode()


def test_cancelling_frees_the_time_and_keeps_the_record(api, booked, availability, tomorrow):
    booking_id, token = booked
    response = api.post(
        f"/api/calendly/bookings/{booking_id}/cancel?token={token}", {"reason": "Feeling better"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    stored = Booking.objects.get(reference=booking_id)
    assert (stored.cancelled_by, stored.cancellation_reason) == ("patient", "Feeling better")
    assert stored.cancelled_at is not None
    assert "10:00" in starts(availability(tomorrow))


def test_cancelling_twice_is_400(api, booked):
    booking_id, token = booked
    api.post(f"/api/calendly/bookings/{booking_id}/cancel?token={token}", {}, format="json")
    again = api.post(f"/api/calendly/bookings/{booking_id}/cancel?token={token}", {}, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "already_cancelled"


def test_cancelling_with_a_wrong_token_changes_nothing(api, booked):
    booking_id, _ = booked
    assert api.post(f"/api/calendly/bookings/{booking_id}/cancel?token=guess", {}, format="json").status_code == 404
    assert Booking.objects.get(reference=booking_id).status == "confirmed"


def test_rescheduling_moves_the_booking_and_frees_the_old_time(api, booked, availability, tomorrow):
    booking_id, token = booked
    response = api.post(
        f"/api/calendly/bookings/{booking_id}/reschedule?token={token}",
        {"date": tomorrow.isoformat(), "start_time": "14:00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["start_time"] == "14:00"
    assert response.json()["booking_id"] == booking_id
    free = starts(availability(tomorrow))
    assert "10:00" in free and "14:00" not in free


def test_rescheduling_may_overlap_its_own_old_time(api, book, tomorrow):
    body = book(tomorrow, "10:00", "therapy").json()
    response = api.post(
        f"/api/calendly/bookings/{body['booking_id']}/reschedule?token={body['manage_token']}",
        {"date": tomorrow.isoformat(), "start_time": "11:00"},
        format="json",
    )
    assert response.status_code == 200


def test_rescheduling_onto_a_taken_time_is_409_and_leaves_the_booking_exactly_as_it_was(api, booked, book, tomorrow):
    booking_id, token = booked
    book(tomorrow, "15:00", patient_name="Someone Else")
    before = Booking.objects.values().get(reference=booking_id)
    response = api.post(
        f"/api/calendly/bookings/{booking_id}/reschedule?token={token}",
        {"date": tomorrow.isoformat(), "start_time": "15:00"},
        format="json",
    )
    assert response.status_code == 409
    assert Booking.objects.values().get(reference=booking_id) == before


def test_rescheduling_into_the_past_names_the_field(api, booked, today):
    booking_id, token = booked
    response = api.post(
        f"/api/calendly/bookings/{booking_id}/reschedule?token={token}",
        {"date": (today - timedelta(days=1)).isoformat(), "start_time": "10:00"},
        format="json",
    )
    assert response.status_code == 400
    assert "date" in response.json()["errors"]


def test_staff_can_see_any_booking_without_a_token(admin_client, booked):
    booking_id, _ = booked
    assert admin_client.get(f"/api/calendly/bookings/{booking_id}").status_code == 200


def test_a_cancelled_booking_cannot_be_moved(api, booked, tomorrow):
    booking_id, token = booked
    api.post(f"/api/calendly/bookings/{booking_id}/cancel?token={token}", {}, format="json")
    response = api.post(
        f"/api/calendly/bookings/{booking_id}/reschedule?token={token}",
        {"date": tomorrow.isoformat(), "start_time": "12:00"},
        format="json",
    )
    assert response.status_code == 400
    assert timezone.localtime(Booking.objects.get(reference=booking_id).starts_at).time() == time(10)


def test_a_manage_link_survives_a_key_change_while_the_old_key_is_a_fallback(api, booked, settings):
    booking_id, token = booked
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert api.get(f"/api/calendly/bookings/{booking_id}", {"token": token}).status_code == 404
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert api.get(f"/api/calendly/bookings/{booking_id}", {"token": token}).status_code == 200
