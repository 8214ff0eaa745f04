"""A course of treatment announced to integrators: one series.created with its visits' booking ids, and
every visit's own booking events naming the course, each delivery verified by the Standard Webhooks
package against a real HTTP receiver."""

import json
from datetime import time, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails
from scheduling.bookings.series import CoursePlan, book_course
from scheduling.models import AppointmentType, OnConflict
from scheduling.slots.recurrence import Recurrence
from webhooks.models import Delivery
from webhooks.tests.test_webhooks import ALL_EVENTS, register, run_until_quiet

pytestmark = pytest.mark.django_db
DESK = Actor.integration("desk")
VISITS = 4


def course(first_day, on_conflict=OnConflict.FAIL):
    plan = CoursePlan(
        AppointmentType.objects.get(slug="consultation"),
        Recurrence(first_day=first_day, weekdays=(first_day.isoweekday(),), wall_time=time(10), count=VISITS),
        on_conflict=on_conflict,
    )
    patient = PatientDetails(name="Ada Lovelace", email="ada@example.com", reason_for_visit="Migraine")
    series, _, _ = book_course(plan, patient=patient, by=DESK)
    return series, list(series.bookings.order_by("starts_at"))


def received(receiver, secret) -> list[dict]:
    return [Webhook(secret).verify(body, headers) for headers, body in receiver.requests]


@pytest.fixture
def first_day(today):
    return today + timedelta(days=3)


def test_series_created_names_the_course_and_its_visits_in_date_order(
    staff_api, receiver, run_worker, first_day, clinic
):
    endpoint = register(staff_api, receiver.url, ["series.created"])
    series, visits = course(first_day)
    run_until_quiet(run_worker)
    [payload] = received(receiver, endpoint["secret"])
    assert payload["type"] == "series.created"
    assert payload["data"] == {
        "series_id": series.reference,
        "appointment_type": "consultation",
        "practitioners": ["clinic"],
        "booking_ids": [visit.reference for visit in visits],
    }
    assert series.reference.startswith("sr_")
    assert all(booking_id.startswith("bk_") for booking_id in payload["data"]["booking_ids"])
    [(_, body)] = receiver.requests
    assert b"Ada" not in body and b"Migraine" not in body and b"ada@example.com" not in body


def test_a_skip_course_lists_only_the_visits_it_booked(staff_api, receiver, run_worker, first_day, clinic):
    endpoint = register(staff_api, receiver.url, ["series.created"])
    bookings.book(
        bookings.RequestedSlot(
            AppointmentType.objects.get(slug="consultation"), first_day + timedelta(weeks=1), time(10)
        ),
        patient=PatientDetails(name="Grace Hopper"),
    )
    _, visits = course(first_day, on_conflict=OnConflict.SKIP)
    run_until_quiet(run_worker)
    [payload] = received(receiver, endpoint["secret"])
    assert len(visits) == VISITS - 1
    assert payload["data"]["booking_ids"] == [visit.reference for visit in visits]


def test_each_visits_events_carry_the_series_id(staff_api, receiver, run_worker, first_day, clinic):
    endpoint = register(staff_api, receiver.url, [*ALL_EVENTS, "series.created"])
    series, visits = course(first_day)
    moved = bookings.reschedule(
        visits[1], bookings.RequestedSlot(visits[1].appointment_type, visits[1].starts_at.date(), time(14)), by=DESK
    )
    bookings.cancel(visits[2], by=DESK, reason="Feeling better")
    single, _ = bookings.book(
        bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), first_day, time(15)),
        patient=PatientDetails(name="Grace Hopper"),
    )
    run_until_quiet(run_worker)
    payloads = received(receiver, endpoint["secret"])
    assert sorted(p["type"] for p in payloads) == sorted(
        ["series.created", *["booking.created"] * (VISITS + 1), "booking.rescheduled", "booking.cancelled"]
    )
    per_booking = [p["data"] for p in payloads if p["type"].startswith("booking.")]
    of_course = {visit.reference for visit in visits}
    for data in per_booking:
        expected = series.reference if data["booking_id"] in of_course else None
        assert data["series_id"] == expected, data
    [rescheduled] = [p["data"] for p in payloads if p["type"] == "booking.rescheduled"]
    assert (rescheduled["booking_id"], rescheduled["series_id"]) == (moved.reference, series.reference)
    assert [p["data"]["series_id"] for p in payloads if p["data"].get("booking_id") == single.reference] == [None]


def test_an_endpoint_that_did_not_ask_for_series_gets_none(staff_api, receiver, run_worker, first_day, clinic):
    register(staff_api, receiver.url, ["booking.created"])
    course(first_day)
    run_until_quiet(run_worker)
    assert sorted(json.loads(body)["type"] for _, body in receiver.requests) == ["booking.created"] * VISITS
    assert not Delivery.objects.filter(event_type="series.created").exists()


def test_series_created_is_an_event_an_endpoint_can_ask_for(staff_api):
    response = staff_api.post(
        "/api/calendly/webhooks", {"url": "https://pms.example/hooks", "events": ["series.booked"]}, format="json"
    )
    assert response.status_code == 400
    assert "events" in response.json()["errors"]
    assert register(staff_api, "https://pms.example/hooks", ["series.created"])["events"] == ["series.created"]
