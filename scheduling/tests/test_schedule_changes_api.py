"""The staff API for hours, time off and closures: a change that strands bookings is listed by a dry run,
refused (409) until each booking has an answer, and then carried out with the change."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import Permission

from scheduling import clinic_time
from scheduling.models import Booking, BookingEvent, ClinicClosure, OpeningHours, TimeOff
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(api):
    api.force_authenticate(member_of("manager", "manager"))
    return api


@pytest.fixture
def booked(book, tomorrow) -> list[str]:
    """Tomorrow at 09:00, 09:30 and 14:00, with the patients' e-mail addresses."""
    made = [
        book(tomorrow, start, patient_name=f"Patient {start}", patient_email="p@example.com", reason_for_visit="Rash")
        for start in ("09:00", "09:30", "14:00")
    ]
    return [response.json()["booking_id"] for response in made]


def closure(day, **extra):
    return {"name": "Training", "first_day": day.isoformat(), "last_day": day.isoformat(), **extra}


def statuses(references) -> list[str]:
    return [Booking.objects.get(reference=r).status for r in references]


def test_a_dry_run_lists_the_stranded_bookings_and_saves_nothing(manager, booked, tomorrow):
    response = manager.post(
        "/api/calendly/closures", closure(tomorrow, closed_until="12:00", dry_run=True), format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert [b["booking_id"] for b in body["affected_bookings"]] == booked[:2]
    first = body["affected_bookings"][0]
    assert first["practitioner"] == "clinic" and first["status"] == "confirmed"
    assert first["free_times"] and all(t["starts_at"] >= f"{tomorrow}T12" for t in first["free_times"])
    assert "Patient" not in response.content.decode() and "Rash" not in response.content.decode()
    assert not ClinicClosure.objects.exists()
    assert statuses(booked) == ["confirmed"] * 3
    assert not BookingEvent.objects.exclude(kind="created").exists()


def test_dry_run_also_as_a_query_parameter(manager, booked, tomorrow):
    response = manager.post("/api/calendly/closures?dry_run=true", closure(tomorrow), format="json")
    assert response.status_code == 200 and len(response.json()["affected_bookings"]) == 3
    assert not ClinicClosure.objects.exists()


def test_without_answers_a_change_that_strands_bookings_is_409(manager, booked, tomorrow):
    response = manager.post("/api/calendly/closures", closure(tomorrow), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "unanswered_bookings"
    assert [b["booking_id"] for b in body["affected_bookings"]] == booked
    assert not ClinicClosure.objects.exists()


def test_answers_per_booking_and_a_default_are_carried_out(manager, booked, tomorrow):
    new_start = clinic_time.at(tomorrow + timedelta(days=1), time(10))
    answers = {
        "default": "keep",
        booked[0]: "cancel",
        booked[1]: {"action": "move", "starts_at": new_start.isoformat(), "practitioner": "clinic"},
    }
    body = closure(tomorrow, closed_until="12:00", affected_bookings=answers, reason_for_patients="Staff training")

    response = manager.post("/api/calendly/closures", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["outcomes"] == {booked[0]: "cancel", booked[1]: "move"}
    assert response.json()["closed_until"] == "12:00"
    assert statuses(booked) == ["cancelled", "confirmed", "confirmed"]
    assert Booking.objects.get(reference=booked[1]).starts_at == new_start
    cancelled = Booking.objects.get(reference=booked[0]).events.last()
    assert (cancelled.channel, cancelled.actor_name) == ("api", "manager")


def test_a_move_to_a_taken_time_changes_nothing(manager, booked, tomorrow):
    taken = clinic_time.at(tomorrow, time(14))  # booked[2]'s time
    answers = {"default": "keep", booked[0]: {"action": "move", "starts_at": taken.isoformat()}}
    body = closure(tomorrow, closed_until="12:00", affected_bookings=answers)

    response = manager.post("/api/calendly/closures", body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert not ClinicClosure.objects.exists()
    assert statuses(booked) == ["confirmed"] * 3
    assert not BookingEvent.objects.exclude(kind="created").exists()


def test_bad_answers_name_the_field(manager, booked, tomorrow):
    body = closure(tomorrow, affected_bookings={"default": "move"})
    response = manager.post("/api/calendly/closures", body, format="json")
    assert response.status_code == 400
    assert "affected_bookings" in response.json()["errors"]


def test_overlapping_hours_are_refused_naming_both(manager, clinic):
    body = {"practitioner": "clinic", "weekday": 0, "opens_at": "12:00", "closes_at": "18:00"}

    response = manager.post("/api/calendly/hours", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["opens_at"] == ["Monday 09:00\u201317:00 overlaps Monday 12:00\u201318:00."]
    assert clinic.opening_hours.count() == 7


def test_shortening_hours_strands_the_afternoon(manager, booked, tomorrow, clinic):
    row = clinic.opening_hours.get(weekday=tomorrow.weekday())
    url = f"/api/calendly/hours/{row.pk}"

    refused = manager.patch(url, {"closes_at": "12:00"}, format="json")
    assert refused.status_code == 409
    assert [b["booking_id"] for b in refused.json()["affected_bookings"]] == [booked[2]]
    assert clinic.opening_hours.get(pk=row.pk).closes_at == time(17)

    done = manager.patch(url, {"closes_at": "12:00", "affected_bookings": {"default": "offer"}}, format="json")
    assert done.status_code == 200, done.content
    assert clinic.opening_hours.get(pk=row.pk).closes_at == time(12)
    assert Booking.objects.get(reference=booked[2]).events.last().kind == "new_times_offered"


def test_time_off_pushed_by_an_integration(manager, booked, tomorrow):
    start = clinic_time.at(tomorrow, time(13))
    body = {
        "practitioner": "clinic",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=4)).isoformat(),
    }
    assert manager.post("/api/calendly/time-off", body, format="json").status_code == 409

    body["affected_bookings"] = {"default": "cancel"}
    response = manager.post("/api/calendly/time-off", body, format="json")
    assert response.status_code == 201
    assert statuses(booked) == ["confirmed", "confirmed", "cancelled"]
    listed = manager.get("/api/calendly/time-off", {"practitioner": "clinic"}).json()
    assert [t["id"] for t in listed] == [response.json()["id"]]
    assert manager.delete(f"/api/calendly/time-off/{response.json()['id']}").status_code == 204
    assert not TimeOff.objects.exists()


def test_a_practitioners_account_reaches_only_its_own_time_off(api, make_practitioner, consultation, clinic, tomorrow):
    rao = make_practitioner("dr-rao", types=[consultation])
    user = member_of("practitioner", "rao", rao)
    user.user_permissions.add(Permission.objects.get(codename="add_timeoff"))
    api.force_authenticate(user)
    start = clinic_time.at(tomorrow, time(9))
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    TimeOff.objects.create(practitioner=clinic, starts_at=start, ends_at=start + timedelta(hours=1))

    assert api.post("/api/calendly/time-off", {**body, "practitioner": "dr-rao"}, format="json").status_code == 201
    theirs = api.post("/api/calendly/time-off", {**body, "practitioner": "clinic"}, format="json")
    assert theirs.status_code == 400 and "practitioner" in theirs.json()["errors"]
    assert [t["practitioner"] for t in api.get("/api/calendly/time-off").json()] == ["dr-rao"]
    # Viewing is all the role may do to hours.
    assert api.post("/api/calendly/hours", {}, format="json").status_code == 403


def test_anonymous_callers_get_nothing(api):
    assert api.get("/api/calendly/closures").status_code in (401, 403)


def test_deleting_hours_that_strand_bookings_asks_too(manager, booked, tomorrow, clinic):
    row = clinic.opening_hours.get(weekday=tomorrow.weekday())
    assert manager.delete(f"/api/calendly/hours/{row.pk}").status_code == 409
    assert OpeningHours.objects.filter(pk=row.pk).exists()
    answered = manager.delete(
        f"/api/calendly/hours/{row.pk}", {"affected_bookings": {"default": "keep"}}, format="json"
    )
    assert answered.status_code == 204
    assert not OpeningHours.objects.filter(pk=row.pk).exists()
    assert statuses(booked) == ["confirmed"] * 3


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/calendly/hours", {"practitioner": ""}, "practitioner"),
        ("/api/calendly/time-off", {"practitioner": "not a slug"}, "practitioner"),
        ("/api/calendly/time-off", {"dry_run": "-8e307"}, "dry_run"),
    ],
)
def test_a_bad_query_is_a_400_naming_the_field(manager, url, query, field, tomorrow):
    asked = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
    if "dry_run" in query:
        start = clinic_time.at(tomorrow, time(9))
        away = {"practitioner": "clinic", "starts_at": start, "ends_at": start + timedelta(hours=1)}
        response = manager.post(asked, away, format="json")
        assert not TimeOff.objects.exists()
    else:
        response = manager.get(asked)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


def test_times_are_hh_mm_both_ways_and_every_row_says_its_outcomes(manager, clinic):
    seconds = manager.post(
        "/api/calendly/hours",
        {"practitioner": "clinic", "weekday": 0, "opens_at": "18:00:00Z", "closes_at": "19:00"},
        format="json",
    )
    assert seconds.status_code == 400 and "opens_at" in seconds.json()["errors"]
    made = manager.post(
        "/api/calendly/hours",
        {"practitioner": "clinic", "weekday": 0, "opens_at": "18:00", "closes_at": "19:00"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert (made.json()["opens_at"], made.json()["outcomes"]) == ("18:00", {})
    listed = manager.get("/api/calendly/hours", {"practitioner": "clinic"}).json()
    assert all(row["outcomes"] == {} and len(row["opens_at"]) == 5 for row in listed)


NEXT_WEEK = (clinic_time.now() + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    "body",
    [
        {"practitioner": "cli\u0000nic"},
        {"practitioner": 7},
        {
            "weekday": 0,
            "affected_bookings": {"bk_x": {"action": "move", "starts_at": NEXT_WEEK, "practitioner": "a\u0000"}},
        },
    ],
)
def test_what_cannot_be_a_slug_is_a_400_never_a_query(manager, clinic, body):
    """PostgreSQL refuses a NUL inside a string: asked with one, it was a 500 (the fuzzer found it)."""
    hours = OpeningHours.objects.filter(practitioner=clinic).first()
    response = manager.patch(f"/api/calendly/hours/{hours.pk}", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"practitioner", "affected_bookings"}
