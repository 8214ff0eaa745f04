"""GET /api/calendly/availability as patients' apps see it."""

from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone

from scheduling.models import ClinicClosure, TimeOff
from scheduling.tests.answers import starts

pytestmark = pytest.mark.django_db


def test_prototype_shape_and_the_whole_day_of_consultations(availability, tomorrow):
    response = availability(tomorrow)
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == tomorrow.isoformat()
    assert body["appointment_type"] == "consultation"
    assert body["duration_minutes"] == 30
    assert body["available_slots"][0]["start"] == "09:00"
    assert body["available_slots"][0]["end"] == "09:30"
    assert len(body["available_slots"]) == 16
    assert body["available_slots"][-1] == {**body["available_slots"][-1], "start": "16:30", "end": "17:00"}


@pytest.mark.parametrize(("type_slug", "count", "last"), [("follow-up", 32, "16:45"), ("therapy", 8, "16:00")])
def test_each_type_steps_by_its_own_duration(availability, tomorrow, type_slug, count, last):
    slots = starts(availability(tomorrow, type_slug))
    assert len(slots) == count
    assert slots[-1] == last


def test_a_booking_of_any_type_removes_every_overlapping_slot(availability, book, tomorrow):
    assert book(tomorrow, "10:00", "therapy").status_code == 200
    follow_ups = starts(availability(tomorrow, "follow-up"))
    assert not {"10:00", "10:15", "10:30", "10:45"} & set(follow_ups)
    assert {"09:45", "11:00"} <= set(follow_ups)


def test_public_availability_reveals_no_patient(availability, book, tomorrow):
    book(tomorrow, "11:00", patient_name="Very Private Person", patient_email="vpp@example.com")
    text = availability(tomorrow).content.decode()
    assert "Very Private" not in text and "vpp@" not in text


def test_times_already_past_today_are_not_offered(availability, today):
    tz = timezone.get_current_timezone()
    with time_machine.travel(timezone.make_aware(timezone.datetime.combine(today, time(12, 10)), tz), tick=False):
        assert starts(availability(today))[0] == "12:30"


def test_a_fully_booked_day_is_200_with_an_empty_list(availability, book, tomorrow):
    for hour in range(9, 17):
        assert book(tomorrow, f"{hour:02d}:00", "therapy").status_code == 200
    response = availability(tomorrow)
    assert response.status_code == 200
    assert response.json()["available_slots"] == []


def test_a_clinic_closure_empties_the_day(availability, tomorrow):
    ClinicClosure.objects.create(name="Public holiday", first_day=tomorrow, last_day=tomorrow)
    assert availability(tomorrow).json()["available_slots"] == []


def test_time_off_removes_only_its_hours(availability, clinic, tomorrow):
    tz = timezone.get_current_timezone()
    TimeOff.objects.create(
        practitioner=clinic,
        starts_at=timezone.make_aware(timezone.datetime.combine(tomorrow, time(9)), tz),
        ends_at=timezone.make_aware(timezone.datetime.combine(tomorrow, time(13)), tz),
    )
    assert starts(availability(tomorrow, "therapy")) == ["13:00", "14:00", "15:00", "16:00"]


def test_slots_carry_iso_instants_with_offset(availability, tomorrow):
    slot = availability(tomorrow).json()["available_slots"][0]
    assert slot["starts_at"].startswith(f"{tomorrow.isoformat()}T09:00:00")
    assert slot["practitioners"] == ["clinic"]


def test_a_range_lists_each_day(api, tomorrow):
    end = tomorrow + timedelta(days=6)
    response = api.get(
        "/api/calendly/availability",
        {"start_date": tomorrow.isoformat(), "end_date": end.isoformat(), "appointment_type": "therapy"},
    )
    assert response.status_code == 200
    body = response.json()
    assert [day["date"] for day in body["days"]] == [(tomorrow + timedelta(days=n)).isoformat() for n in range(7)]
    assert all(len(day["available_slots"]) == 8 for day in body["days"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "tomorrow"}, "date"),
        ({"date": "1999-01-01"}, "date"),
        ({"date": None}, "date"),
        ({"appointment_type": "surgery"}, "appointment_type"),
        ({"appointment_type": ""}, "appointment_type"),
        ({"practitioner": "nobody"}, "practitioner"),
    ],
)
def test_bad_queries_get_400_naming_the_field(api, tomorrow, params, field):
    query = {"date": tomorrow.isoformat(), "appointment_type": "consultation", **params}
    response = api.get("/api/calendly/availability", {k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_neither_a_date_nor_a_range_names_the_date(api):
    response = api.get("/api/calendly/availability", {"appointment_type": "consultation"})
    assert response.status_code == 400
    assert "required" in response.json()["errors"]["date"][0]


def test_a_date_in_the_past_names_the_date(availability, today):
    response = availability(today - timedelta(days=1))
    assert response.status_code == 400
    assert "in the past" in response.json()["errors"]["date"][0]


def test_a_range_longer_than_31_days_is_refused(api, tomorrow):
    response = api.get(
        "/api/calendly/availability",
        {
            "start_date": tomorrow.isoformat(),
            "end_date": (tomorrow + timedelta(days=31)).isoformat(),
            "appointment_type": "consultation",
        },
    )
    assert response.status_code == 400
    assert "31 days" in response.json()["errors"]["end_date"][0]


def test_a_range_ending_before_it_starts_is_refused(api, tomorrow):
    query = {"start_date": tomorrow.isoformat(), "end_date": tomorrow.isoformat(), "appointment_type": "therapy"}
    query["start_date"] = (tomorrow + timedelta(days=2)).isoformat()
    response = api.get("/api/calendly/availability", query)
    assert response.status_code == 400
    assert "end_date" in response.json()["errors"]


def test_appointment_types_lists_active_types_with_durations(api, follow_up):
    follow_up.is_active = False
    follow_up.save()
    response = api.get("/api/calendly/appointment-types")
    assert response.status_code == 200
    assert {(t["slug"], t["duration_minutes"]) for t in response.json()} == {("consultation", 30), ("therapy", 60)}


def test_staff_edits_reach_availability_that_was_already_cached(availability, clinic, tomorrow, consultation):
    assert len(starts(availability(tomorrow))) == 16  # now cached
    ClinicClosure.objects.create(name="Strike", first_day=tomorrow, last_day=tomorrow)
    assert starts(availability(tomorrow)) == []
    ClinicClosure.objects.all().delete()
    clinic.opening_hours.filter(weekday=tomorrow.weekday()).update(closes_at=time(12))  # no signal: update()
    clinic.opening_hours.first().save()  # any saved edit invalidates
    assert starts(availability(tomorrow))[-1] == "11:30"
    consultation.slot_interval_minutes = 60
    consultation.save()
    assert starts(availability(tomorrow)) == ["09:00", "10:00", "11:00"]


def test_a_booking_reaches_availability_that_was_already_cached(availability, book, tomorrow):
    assert "10:00" in starts(availability(tomorrow))
    book(tomorrow, "10:00")
    assert "10:00" not in starts(availability(tomorrow))
