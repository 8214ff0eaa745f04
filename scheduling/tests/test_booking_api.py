"""POST /api/calendly/book: what a patient's app sees, and what is (not) stored."""

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone

from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def test_booking_a_free_slot_confirms_and_stores_it(book, tomorrow):
    response = book(tomorrow, "10:00")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["message"] == "Appointment successfully booked"
    assert body["booking_id"].startswith("bk_")
    stored = Booking.objects.get(reference=body["booking_id"])
    assert stored.patient_name == "Rahul Sharma"
    assert timezone.localtime(stored.starts_at).time() == time(10)
    assert stored.ends_at - stored.starts_at == timedelta(minutes=30)
    assert (body["date"], body["start_time"], body["end_time"]) == (tomorrow.isoformat(), "10:00", "10:30")


def test_a_single_digit_hour_is_read_as_the_prototype_read_it(book, tomorrow):
    response = book(tomorrow, "9:00")
    assert response.status_code == 200
    assert response.json()["start_time"] == "09:00"


def test_booking_ids_are_long_random_and_distinct(book, tomorrow):
    ids = [book(tomorrow, f"{hour}:00").json()["booking_id"] for hour in (9, 10, 11)]
    assert len(set(ids)) == 3
    assert all(len(i) >= len("bk_") + 16 for i in ids)  # at least 64 random bits in hex


def test_booking_a_taken_slot_returns_409(book, tomorrow):
    assert book(tomorrow, "10:00").status_code == 200
    second = book(tomorrow, "10:00", patient_name="Someone Else")
    assert second.status_code == 409
    assert "available" in second.json()["detail"]
    assert Booking.objects.count() == 1


def test_a_short_visit_inside_a_long_one_is_409(book, tomorrow):
    assert book(tomorrow, "10:00", "therapy").status_code == 200
    assert book(tomorrow, "10:45", "follow-up").status_code == 409
    assert book(tomorrow, "11:00", "follow-up").status_code == 200


def test_a_long_visit_over_a_short_one_is_409(book, tomorrow):
    assert book(tomorrow, "10:45", "follow-up").status_code == 200
    assert book(tomorrow, "10:00", "therapy").status_code == 409


def test_a_booked_slot_disappears_from_availability(book, availability, tomorrow):
    book(tomorrow, "10:00")
    assert "10:00" not in [s["start"] for s in availability(tomorrow).json()["available_slots"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"patient_name": ""}, "patient_name"),
        ({"patient_name": "   "}, "patient_name"),
        ({"patient_name": "x" * 201}, "patient_name"),
        ({"patient_name": 42}, "patient_name"),
        ({"patient_name": None}, "patient_name"),
        ({"patient_name": "Bad\x00Name"}, "patient_name"),
        ({"appointment_type": "surgery"}, "appointment_type"),
        ({"appointment_type": ["consultation"]}, "appointment_type"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "10/01/2026"}, "date"),
        ({"date": 20260110}, "date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"start_time": "10:00:00"}, "start_time"),
        ({"start_time": "10am"}, "start_time"),
        ({"start_time": 10}, "start_time"),
        ({"start_time": "10:10"}, "start_time"),
        ({"start_time": "08:30"}, "start_time"),
        ({"start_time": "17:00"}, "start_time"),
        ({"start_time": "16:45"}, "start_time"),
        ({"patient_email": "not-an-email"}, "patient_email"),
        ({"patient_phone": "call me"}, "patient_phone"),
        ({"practitioner": "nobody"}, "practitioner"),
    ],
)
def test_bad_bookings_get_400_naming_the_field_and_store_nothing(book, tomorrow, change, field):
    body = {"day": tomorrow, "start_time": "10:00", **change}
    response = book(body.pop("day"), body.pop("start_time"), **body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors and errors[field][0]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("missing", ["patient_name", "appointment_type", "date", "start_time"])
def test_a_missing_field_is_named(api, tomorrow, missing):
    body = {
        "patient_name": "A",
        "appointment_type": "consultation",
        "date": tomorrow.isoformat(),
        "start_time": "10:00",
    }
    del body[missing]
    response = api.post("/api/calendly/book", body, format="json")
    assert response.status_code == 400
    assert "required" in response.json()["errors"][missing][0]


@pytest.mark.parametrize("impossible", ["2031-02-30", "2031-13-01", "2031-04-31"])
def test_an_impossible_date_says_so(book, impossible):
    response = book(impossible, "10:00")
    assert response.status_code == 400
    assert response.json()["errors"]["date"] == [f"{impossible} is not a date on the calendar."]


def test_a_date_in_the_past_is_rejected_and_names_the_field(book, today):
    response = book(today - timedelta(days=1), "10:00")
    assert response.status_code == 400
    assert "past" in response.json()["errors"]["date"][0]


def test_an_earlier_time_today_is_rejected(book, today):
    tz = timezone.get_current_timezone()
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(today, time(12, 5)), tz), tick=False):
        response = book(today, "11:00")
    assert response.status_code == 400
    assert response.json()["code"] == "in_past"
    assert "start_time" in response.json()["errors"]


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[]", '"a string"', "null", '{"patient_name": "A"', "\x00"],
)
def test_malformed_bodies_get_400_json(api, raw):
    response = api.generic("POST", "/api/calendly/book", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_form_encoded_body_is_415_json(api, tomorrow):
    response = api.post("/api/calendly/book", {"patient_name": "A"})
    assert response.status_code == 415
    assert "detail" in response.json()


def test_the_patient_name_is_trimmed(book, tomorrow):
    response = book(tomorrow, "10:00", patient_name="  Ada Lovelace  ")
    assert Booking.objects.get(reference=response.json()["booking_id"]).patient_name == "Ada Lovelace"


def test_optional_patient_details_are_stored(book, tomorrow):
    response = book(
        tomorrow, "10:00", patient_email="ada@example.com", patient_phone="+44 20 7946 0958", reason_for_visit="Cough"
    )
    assert response.status_code == 200
    stored = Booking.objects.get(reference=response.json()["booking_id"])
    assert (stored.patient_email, stored.patient_phone, stored.reason_for_visit) == (
        "ada@example.com",
        "+44 20 7946 0958",
        "Cough",
    )


def test_an_inactive_type_cannot_be_booked(book, tomorrow, therapy):
    therapy.is_active = False
    therapy.save()
    assert book(tomorrow, "10:00", "therapy").status_code == 400
