"""Slot holds: a patient keeps a time while typing their details; nobody else is offered it meanwhile,
and a lapsed hold stops blocking at the instant it lapses, with no job running."""

from datetime import time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from scheduling import clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


@pytest.fixture
def hold(api):
    def post(day, start_time, appointment_type="consultation", **extra):
        body = {"appointment_type": appointment_type, "date": day.isoformat(), "start_time": start_time, **extra}
        return api.post("/api/calendly/holds", body, format="json")

    return post


@pytest.fixture
def frozen():
    with time_machine.travel(clinic_time.now(), tick=False) as traveller:
        yield traveller


def test_a_hold_answers_201_with_its_id_expiry_and_slot(hold, tomorrow, settings, frozen):
    response = hold(tomorrow, "10:00")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "hold_id",
        "expires_at",
        "appointment_type",
        "practitioner",
        "date",
        "start_time",
        "end_time",
        "starts_at",
        "ends_at",
    }
    assert body["hold_id"].startswith("hold_") and len(body["hold_id"]) > 30
    assert (body["date"], body["start_time"], body["end_time"]) == (tomorrow.isoformat(), "10:00", "10:30")
    assert body["expires_at"] == (clinic_time.now() + timedelta(minutes=settings.HOLD_MINUTES)).isoformat().replace(
        "+00:00", "Z"
    )
    stored = Booking.objects.get()
    assert stored.status == "held" and stored.hold_digest != body["hold_id"]  # only a digest is stored


def test_the_hold_length_comes_from_the_environment(hold, tomorrow, settings, frozen):
    settings.HOLD_MINUTES = 12
    expires = hold(tomorrow, "10:00").json()["expires_at"]
    assert expires.startswith((clinic_time.now() + timedelta(minutes=12)).isoformat()[:16])


def test_held_time_is_offered_to_nobody_else(hold, book, availability, tomorrow):
    hold(tomorrow, "10:00")
    assert "10:00" not in starts(availability(tomorrow))
    assert book(tomorrow, "10:00").status_code == 409
    assert hold(tomorrow, "10:00").status_code == 409
    assert book(tomorrow, "10:00", "follow-up").status_code == 409  # overlapping type, same practitioner


def test_booking_with_the_hold_id_confirms_it(api, hold, tomorrow):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    response = api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Ada Lovelace"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["start_time"], body["message"]) == (
        "confirmed",
        "10:00",
        "Appointment successfully booked",
    )
    assert body["manage_token"] and body["booking_id"].startswith("bk_")
    booking = Booking.objects.get(reference=body["booking_id"])
    assert (booking.status, booking.patient_name, booking.revision) == ("confirmed", "Ada Lovelace", 2)
    assert [e.kind for e in booking.events.order_by("revision")] == ["held", "created"]


def test_a_hold_confirms_once(api, hold, tomorrow):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Ada"}, format="json")
    again = api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Bob"}, format="json")
    assert again.status_code == 400
    assert "hold_id" in again.json()["errors"]
    assert Booking.objects.get().patient_name == "Ada"


def test_an_unknown_hold_id_is_a_400_naming_it(api):
    response = api.post("/api/calendly/book", {"hold_id": "hold_nope", "patient_name": "Ada"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_hold"
    assert list(response.json()["errors"]) == ["hold_id"]


def test_confirming_needs_the_patients_name(api, hold, tomorrow):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    response = api.post("/api/calendly/book", {"hold_id": hold_id}, format="json")
    assert response.status_code == 400
    assert "patient_name" in response.json()["errors"]
    assert Booking.objects.get().status == "held"


def release(api, hold_id):
    return api.post("/api/calendly/holds/release", {"hold_id": hold_id}, format="json")


def test_releasing_a_hold_frees_its_time_at_once(api, hold, availability, tomorrow):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    response = release(api, hold_id)
    assert response.status_code == 204
    assert "10:00" in starts(availability(tomorrow))
    assert Booking.objects.get().status == "released"
    assert release(api, hold_id).status_code == 404
    assert list(BookingEvent.objects.values_list("kind", flat=True).order_by("revision")) == ["held", "hold_released"]


def test_releasing_an_unknown_hold_is_404(api):
    response = release(api, "hold_unknown")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_releasing_without_a_hold_id_names_the_field(api):
    for body in ({}, {"hold_id": ""}, {"hold_id": 12}, {"hold_id": "x" * 101}):
        response = api.post("/api/calendly/holds/release", body, format="json")
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["hold_id"]


def test_a_hold_id_in_the_path_releases_nothing_and_says_where_it_goes(api, hold, tomorrow):
    """Hold ids left URLs (paths end up in logs): the old address is gone, whatever the id."""
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    for method in (api.delete, api.get, api.post):
        response = method(f"/api/calendly/holds/{hold_id}")
        assert response.status_code == 410
        assert response.json()["code"] == "gone"
        assert "POST /api/calendly/holds/release" in response.json()["errors"]["hold_id"][0]
    assert Booking.objects.get().status == "held"


def test_a_lapsed_hold_stops_blocking_with_no_job_running(hold, availability, tomorrow, settings, frozen):
    hold(tomorrow, "10:00")
    assert "10:00" not in starts(availability(tomorrow))  # cached, with the hold counted as busy
    frozen.shift(timedelta(minutes=settings.HOLD_MINUTES, seconds=1))
    assert "10:00" in starts(availability(tomorrow))
    assert Booking.objects.get().status == "held"  # nothing ran: the hold just no longer counts


def test_booking_a_lapsed_holds_time_expires_it_in_the_same_transaction(api, hold, book, tomorrow, settings, frozen):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    frozen.shift(timedelta(minutes=settings.HOLD_MINUTES, seconds=1))
    assert book(tomorrow, "10:00", patient_name="Bob").status_code == 200
    lapsed = Booking.objects.get(status="expired")
    assert [e.kind for e in lapsed.events.order_by("revision")] == ["held", "hold_expired"]
    late = api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Ada"}, format="json")
    assert late.status_code == 409
    assert late.json()["code"] == "hold_expired"


def test_a_lapsed_hold_nobody_needed_still_confirms(api, hold, tomorrow, settings, frozen):
    hold_id = hold(tomorrow, "10:00").json()["hold_id"]
    frozen.shift(timedelta(minutes=settings.HOLD_MINUTES + 1))
    response = api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Ada"}, format="json")
    assert response.status_code == 200


def test_a_hold_cannot_be_confirmed_once_its_time_has_passed(api, hold, tomorrow):
    with time_machine.travel(clinic_time.at(tomorrow, time(9, 40)), tick=False) as traveller:
        hold_id = hold(tomorrow, "10:00").json()["hold_id"]
        traveller.shift(timedelta(hours=1))
        response = api.post("/api/calendly/book", {"hold_id": hold_id, "patient_name": "Ada"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["hold_id"]
    assert response.json()["code"] == "in_past"


def test_holds_follow_the_slot_rules(hold, tomorrow, today):
    assert hold(tomorrow, "10:10").json()["errors"]["start_time"]
    assert hold(today - timedelta(days=1), "10:00").status_code == 400
    assert hold(tomorrow, "10:00", practitioner="nobody").json()["errors"]["practitioner"]


def test_holds_are_rate_limited_per_client(hold, tomorrow, isolated_cache):
    isolated_cache["hold"] = "3/hour"
    answers = [hold(tomorrow, f"{hour}:00").status_code for hour in (9, 10, 11, 12)]
    assert answers == [201, 201, 201, 429]


def test_the_guard_covers_a_hold_written_straight_through_the_orm(hold, tomorrow, clinic, consultation):
    hold(tomorrow, "10:00")
    held = Booking.objects.get()
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.objects.create(
            practitioner=clinic,
            appointment_type=consultation,
            patient_name="Direct",
            starts_at=held.starts_at,
            ends_at=held.ends_at,
            blocked_from=held.blocked_from,
            blocked_until=held.blocked_until,
        )


def test_a_hold_is_not_a_booking_patients_or_staff_look_up(api, hold, tomorrow, admin_user):
    hold(tomorrow, "10:00")
    reference = Booking.objects.get().reference
    api.force_authenticate(admin_user)
    assert api.get(f"/api/calendly/bookings/{reference}").status_code == 404
    assert api.get("/api/calendly/bookings").json()["count"] == 1  # staff still see it in the list
    assert api.get("/api/calendly/bookings", {"status": "held"}).json()["count"] == 1
