"""Courses of treatment through the API: a preview that writes nothing, a course booked under each policy
(all or nothing under `fail`), every bad input a 400 naming its field, and the course opened, shown and
cancelled by its patient (with its manage token) or staff reaching the patient."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling import clinic_time
from scheduling.models import (
    Booking,
    BookingSeries,
    ClinicClosure,
    OpeningHours,
    Patient,
    PatientDataRead,
    Practitioner,
    TimeOff,
)
from scheduling.tests.clock_changes import next_clock_change
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db

PREVIEW = "/api/calendly/series/preview"
SERIES = "/api/calendly/series"
OCCURRENCE_KEYS = {"index", "date", "start_time", "starts_at", "status", "detail", "practitioner", "alternatives"}


@pytest.fixture
def therapy(therapy):
    """The prototype's hour of therapy (on the hour, 09:00 to 17:00), opted in to courses."""
    therapy.allow_series = True
    therapy.save()
    return therapy


@pytest.fixture
def first_day(today) -> date:
    return today + timedelta(days=7)


def weekday(day: date) -> str:
    return day.strftime("%A").lower()


@pytest.fixture
def plan(therapy, first_day):
    """A weekly course of four therapies at 10:00 from a week today, on that weekday."""

    def body(**changes) -> dict:
        asked = {
            "appointment_type": "therapy",
            "start_date": first_day.isoformat(),
            "start_time": "10:00",
            "weekdays": [weekday(first_day)],
            "count": 4,
            **changes,
        }
        return {name: value for name, value in asked.items() if value is not None}

    return body


def with_patient(body: dict, name: str = "Maja Nilsson") -> dict:
    return {**body, "patient_name": name, "patient_email": "maja@example.com"}


@pytest.fixture
def desk(api):
    """The API client signed in as the front desk (every practitioner's bookings, and acting on them)."""
    api.force_authenticate(staff_member("desk", *FRONT_DESK))
    return api


def week(first_day: date, n: int) -> date:
    return first_day + timedelta(weeks=n)


def stored() -> tuple[int, int, int]:
    return Booking.objects.count(), BookingSeries.objects.count(), Patient.objects.count()


def statuses(answer) -> list[str]:
    return [occurrence["status"] for occurrence in answer["occurrences"]]


# The preview


def test_a_preview_lists_each_weekly_date_at_the_local_time_and_writes_nothing(api, plan, first_day):
    before = stored()

    response = api.post(PREVIEW, plan(), format="json")

    assert response.status_code == 200, response.json()
    occurrences = response.json()["occurrences"]
    assert [set(o) for o in occurrences] == [OCCURRENCE_KEYS] * 4
    assert [o["index"] for o in occurrences] == [1, 2, 3, 4]
    assert [o["date"] for o in occurrences] == [week(first_day, n).isoformat() for n in range(4)]
    assert {(o["start_time"], o["status"], o["practitioner"], o["detail"]) for o in occurrences} == {
        ("10:00", "available", "clinic", "")
    }
    expected = [clinic_time.at(week(first_day, n), time(10)) for n in range(4)]
    assert [datetime.fromisoformat(o["starts_at"]) for o in occurrences] == expected
    assert stored() == before


def test_a_taken_date_is_a_conflict_with_alternatives_and_never_says_who_booked(api, book, plan, first_day):
    assert book(week(first_day, 1), "10:00", "therapy", patient_name="Hidden Person").status_code == 200

    answer = api.post(PREVIEW, plan(), format="json")

    assert answer.status_code == 200
    assert statuses(answer.json()) == ["available", "conflict", "available", "available"]
    taken = answer.json()["occurrences"][1]
    assert taken["detail"] == "This time is already booked."
    assert taken["practitioner"] is None
    day = week(first_day, 1).isoformat()
    assert [(a["date"], a["start_time"]) for a in taken["alternatives"]] == [
        (day, "09:00"),
        (day, "11:00"),
        (day, "12:00"),
    ]
    assert {a["practitioner"] for a in taken["alternatives"]} == {"clinic"}
    assert "Hidden" not in answer.content.decode()


def test_a_closure_day_and_time_off_say_so(api, plan, first_day):
    ClinicClosure.objects.create(first_day=week(first_day, 2), last_day=week(first_day, 2))
    away = clinic_time.at(week(first_day, 3), time(9))
    TimeOff.objects.create(
        practitioner=Practitioner.objects.get(slug="clinic"), starts_at=away, ends_at=away + timedelta(hours=4)
    )

    answer = api.post(PREVIEW, plan(), format="json").json()

    assert statuses(answer) == ["available", "available", "closed", "time_off"]
    assert answer["occurrences"][2]["detail"] == "The clinic is closed that day."


def test_dates_past_the_horizon_are_beyond_it_for_a_patient_but_not_for_staff(api, desk, plan, today):
    # Therapy is booked at most 90 days ahead by patients: weekly from day 70, the last three are past it.
    late = plan(start_date=(today + timedelta(days=70)).isoformat(), weekdays=[weekday(today)], count=6)
    api.force_authenticate(None)

    as_patient = api.post(PREVIEW, late, format="json").json()
    desk.force_authenticate(staff_member("desk-2", *FRONT_DESK))
    as_staff = desk.post(PREVIEW, late, format="json").json()

    assert statuses(as_patient) == ["available"] * 3 + ["beyond_horizon"] * 3
    assert statuses(as_staff) == ["available"] * 6


@pytest.fixture
def night_clinic(clinic):
    """Open across the small hours, so the clocks change inside opening hours."""
    OpeningHours.objects.filter(practitioner=clinic).update(opens_at="00:00", closes_at="04:00")
    return clinic


def test_a_time_the_clocks_skip_is_reported_and_one_they_repeat_takes_the_earlier_instant(
    settings, desk, plan, night_clinic
):
    settings.TIME_ZONE = "America/New_York"
    spring = next_clock_change(ZoneInfo("America/New_York"), forward=True)  # 02:00 jumps to 03:00
    autumn = next_clock_change(ZoneInfo("America/New_York"), forward=False)  # 01:00 happens twice

    skipped = desk.post(
        PREVIEW, plan(start_date=f"{spring}", start_time="02:00", weekdays=[weekday(spring)], count=2), format="json"
    )
    repeated = desk.post(
        PREVIEW, plan(start_date=f"{autumn}", start_time="01:00", weekdays=[weekday(autumn)], count=2), format="json"
    )

    first, after = skipped.json()["occurrences"]
    assert (first["status"], first["starts_at"], first["start_time"]) == ("nonexistent_local_time", None, "02:00")
    assert after["starts_at"].endswith("T02:00:00-04:00")
    assert [o["starts_at"][-15:] for o in repeated.json()["occurrences"]] == ["T01:00:00-04:00", "T01:00:00-05:00"]


# Booking a course


def test_a_course_is_booked_visit_by_visit_with_its_series_on_every_booking(api, desk, plan, first_day):
    response = api.post(SERIES, with_patient(plan()), format="json")

    assert response.status_code == 201, response.json()
    course = response.json()
    assert course["series_id"].startswith("sr_") and course["status"] == "active" and course["manage_token"]
    assert statuses(course) == ["booked"] * 4
    ids = [o["booking_id"] for o in course["occurrences"]]
    assert course["booking_ids"] == ids and all(ids)
    visits = Booking.objects.filter(series__reference=course["series_id"]).order_by("series_index")
    assert [(b.reference, b.series_index, clinic_time.local_date(b.starts_at)) for b in visits] == [
        (ids[n], n + 1, week(first_day, n)) for n in range(4)
    ]
    shown = desk.get(f"/api/calendly/bookings/{ids[2]}").json()
    assert (shown["series_id"], shown["series_index"]) == (course["series_id"], 3)


def test_a_single_booking_shows_no_series(desk, book, tomorrow):
    booking_id = book(tomorrow, "10:00").json()["booking_id"]

    shown = desk.get(f"/api/calendly/bookings/{booking_id}").json()

    assert (shown["series_id"], shown["series_index"]) == (None, None)


def test_under_fail_one_taken_date_refuses_the_whole_course_with_its_report(api, book, plan, first_day):
    book(week(first_day, 2), "10:00", "therapy", patient_name="Someone Else")
    before = stored()

    response = api.post(SERIES, with_patient(plan()), format="json")

    assert response.status_code == 409
    refusal = response.json()
    assert refusal["code"] == "series_conflict"
    assert "nothing was booked" in refusal["detail"]
    assert statuses(refusal) == ["available", "available", "conflict", "available"]
    assert refusal["occurrences"][2]["alternatives"]
    assert stored() == before


def test_under_skip_the_free_dates_are_booked_and_the_taken_one_reported(api, book, plan, first_day):
    book(week(first_day, 1), "10:00", "therapy", patient_name="Someone Else")

    course = api.post(SERIES, with_patient(plan(on_conflict="skip")), format="json").json()

    assert statuses(course) == ["booked", "conflict", "booked", "booked"]
    assert course["occurrences"][1]["booking_id"] is None
    assert len(course["booking_ids"]) == 3
    assert BookingSeries.objects.get().bookings.count() == 3


def test_under_extend_a_date_is_added_after_the_last_for_the_taken_one(api, book, plan, first_day):
    book(week(first_day, 1), "10:00", "therapy", patient_name="Someone Else")

    course = api.post(SERIES, with_patient(plan(on_conflict="extend")), format="json").json()

    assert statuses(course) == ["booked", "conflict", "booked", "booked", "booked"]
    assert [o["index"] for o in course["occurrences"]] == [1, 2, 3, 4, 5]
    assert course["occurrences"][4]["date"] == week(first_day, 4).isoformat()
    assert len(course["booking_ids"]) == 4


@pytest.mark.parametrize("policy", ["skip", "extend"])
def test_a_course_with_no_date_free_is_refused_under_any_policy(api, plan, first_day, policy):
    for n in range(3):
        ClinicClosure.objects.create(first_day=week(first_day, n), last_day=week(first_day, n))
    before = stored()

    response = api.post(SERIES, with_patient(plan(count=2, on_conflict=policy)), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "series_conflict"
    assert stored() == before


# Bad input: a 400 naming the field, on the preview and the booking alike, and nothing stored


def bad_inputs(first_day: date) -> list[tuple[dict, str]]:
    return [
        ({"count": 1}, "count"),
        ({"count": 53}, "count"),
        ({"until": week(first_day, 3).isoformat()}, "count"),  # with count: both
        ({"count": None}, "count"),  # neither
        ({"count": None, "until": (first_day - timedelta(days=1)).isoformat()}, "until"),
        ({"count": None, "until": week(first_day, 60).isoformat()}, "until"),  # more than 52 visits
        ({"interval": 0}, "interval"),
        ({"interval": 5}, "interval"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": ["funday"]}, "weekdays"),
        ({"weekdays": ["monday", "tuesday", "wednesday", "thursday"]}, "weekdays"),
        ({"weekdays": ["monday", "monday"]}, "weekdays"),
        ({"weekdays": "monday"}, "weekdays"),
        ({"start_time": "10:30"}, "start_time"),  # off therapy's hourly grid
        ({"start_time": "10"}, "start_time"),
        ({"start_date": (first_day - timedelta(days=30)).isoformat()}, "start_date"),
        ({"appointment_type": "consultation"}, "appointment_type"),  # not offered as a course to patients
        ({"appointment_type": "massage"}, "appointment_type"),
        ({"practitioner": "dr-nobody"}, "practitioner"),
        ({"on_conflict": "maybe"}, "on_conflict"),
    ]


@pytest.mark.parametrize("index", range(20))
@pytest.mark.parametrize("url", [PREVIEW, SERIES])
def test_each_bad_input_is_a_400_naming_its_field(api, plan, first_day, url, index):
    change, field = bad_inputs(first_day)[index]
    body = plan(**change)
    before = stored()

    response = api.post(url, with_patient(body) if url == SERIES else body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert stored() == before


def test_a_type_not_offered_as_a_course_is_refused_to_a_patient_with_its_code(api, plan):
    response = api.post(SERIES, with_patient(plan(appointment_type="consultation")), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "series_not_allowed"
    assert list(response.json()["errors"]) == ["appointment_type"]


def test_a_practitioner_who_does_not_offer_the_type_is_named(api, plan, make_practitioner, consultation):
    make_practitioner("dr-talk", types=[consultation])

    response = api.post(PREVIEW, plan(practitioner="dr-talk"), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["practitioner"]


def test_staff_may_book_a_course_of_any_type(desk, plan):
    response = desk.post(SERIES, with_patient(plan(appointment_type="consultation", count=2)), format="json")

    assert response.status_code == 201, response.json()
    assert statuses(response.json()) == ["booked", "booked"]


def test_the_patient_is_required_to_book_but_not_to_preview(api, plan):
    response = api.post(SERIES, plan(), format="json")

    assert response.status_code == 400
    assert "patient_name" in response.json()["errors"]


# Idempotency


def test_the_same_idempotency_key_replays_the_same_course_and_books_nothing_more(api, plan):
    body = with_patient(plan())
    first = api.post(SERIES, body, format="json", HTTP_IDEMPOTENCY_KEY="course-1")
    after_first = stored()

    again = api.post(SERIES, body, format="json", HTTP_IDEMPOTENCY_KEY="course-1")
    other = api.post(SERIES, with_patient(plan(count=5)), format="json", HTTP_IDEMPOTENCY_KEY="course-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["series_id"] == first.json()["series_id"]
    assert again.json()["booking_ids"] == first.json()["booking_ids"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert stored() == after_first


# Opening a course: its patient with the manage token, or staff reaching the patient


@pytest.fixture
def course(api, plan) -> dict:
    response = api.post(SERIES, with_patient(plan()), format="json")
    assert response.status_code == 201
    return response.json()


def test_the_patient_opens_their_course_with_its_manage_token(api, course, first_day):
    url = f"{SERIES}/{course['series_id']}"

    shown = api.get(url, HTTP_X_MANAGE_TOKEN=course["manage_token"])
    by_query = api.get(url, {"token": course["manage_token"]})

    assert shown.status_code == by_query.status_code == 200
    detail = shown.json()
    assert (detail["series_id"], detail["appointment_type"], detail["weekdays"]) == (
        course["series_id"],
        "therapy",
        [weekday(first_day)],
    )
    assert (detail["start_time"], detail["count"], detail["until"], detail["practitioner"]) == ("10:00", 4, None, None)
    assert [(v["index"], v["booking_id"], v["status"]) for v in detail["visits"]] == [
        (n + 1, booking_id, "confirmed") for n, booking_id in enumerate(course["booking_ids"])
    ]
    assert PatientDataRead.objects.count() == 0  # the patient's own reads are not logged


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_a_wrong_or_missing_token_finds_no_course(api, course, token):
    response = api.get(f"{SERIES}/{course['series_id']}", {"token": token} if token else {})

    assert response.status_code == 404
    assert "Maja" not in response.content.decode()


def test_another_course_s_token_does_not_open_this_one(api, plan, course, first_day):
    other = api.post(SERIES, with_patient(plan(start_time="14:00"), "Other Patient"), format="json").json()

    response = api.get(f"{SERIES}/{course['series_id']}", {"token": other["manage_token"]})

    assert response.status_code == 404


def test_staff_reaching_the_patient_see_the_course_and_the_reads_are_logged(desk, course):
    response = desk.get(f"{SERIES}/{course['series_id']}")

    assert response.status_code == 200
    assert response.json()["patient_name"] == "Maja Nilsson"
    logged = PatientDataRead.objects.filter(booking__series__reference=course["series_id"], actor_name="desk")
    assert logged.count() == 4


def test_a_practitioner_who_does_not_reach_the_patient_finds_no_course(api, course, make_practitioner, therapy):
    own = make_practitioner("dr-own", types=[therapy])
    user = staff_member("dr-own", "scheduling.view_booking", "scheduling.change_booking")
    own.user = user
    own.save(update_fields=["user"])
    api.force_authenticate(user)

    response = api.get(f"{SERIES}/{course['series_id']}")

    assert response.status_code == 404
    assert PatientDataRead.objects.count() == 0


# Cancelling from one visit on


def test_cancelling_from_a_visit_cancels_it_and_those_after_and_keeps_the_earlier(api, course):
    url = f"{SERIES}/{course['series_id']}/cancel"

    response = api.post(
        url, {"from_index": 3, "reason": "Feeling better"}, format="json", HTTP_X_MANAGE_TOKEN=course["manage_token"]
    )

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["cancelled"] == course["booking_ids"][2:]
    assert answer["kept"] == []
    assert answer["status"] == "active"
    assert [v["status"] for v in answer["visits"]] == ["confirmed", "confirmed", "cancelled", "cancelled"]


def test_cancelling_every_visit_cancels_the_course(desk, course):
    response = desk.post(f"{SERIES}/{course['series_id']}/cancel", {"reason": "Moved away"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled"] == course["booking_ids"]
    assert not Booking.objects.filter(series__reference=course["series_id"], status="confirmed").exists()


def test_a_visit_number_the_course_does_not_have_is_a_400_naming_from_index(desk, course):
    before = Booking.objects.filter(status="confirmed").count()

    response = desk.post(f"{SERIES}/{course['series_id']}/cancel", {"from_index": 9}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["from_index"]
    assert Booking.objects.filter(status="confirmed").count() == before


def test_cancelling_needs_the_token_too(api, course):
    response = api.post(f"{SERIES}/{course['series_id']}/cancel", {"reason": "x"}, format="json")

    assert response.status_code == 404
    assert Booking.objects.filter(status="confirmed").count() == 4


def test_a_visit_inside_the_cutoff_is_kept_for_the_patient_and_says_why(api, therapy, course):
    therapy.patient_change_cutoff_minutes = 8 * 24 * 60  # the first visit, a week ahead, is inside it
    therapy.save()

    response = api.post(
        f"{SERIES}/{course['series_id']}/cancel", {}, format="json", HTTP_X_MANAGE_TOKEN=course["manage_token"]
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["cancelled"] == course["booking_ids"][1:]
    assert [(kept["booking_id"], kept["code"]) for kept in answer["kept"]] == [
        (course["booking_ids"][0], "too_late_to_change")
    ]
    assert answer["status"] == "active"  # one visit is still to come


def test_the_course_operations_are_documented_with_their_refusal(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    book = schema["paths"]["/api/calendly/series"]["post"]
    assert {"201", "400", "409", "422", "429"} <= set(book["responses"])
    refusal = book["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert refusal.endswith("/CourseRefusal")
    assert set(schema["paths"]["/api/calendly/series/{series_id}"]["get"]["responses"]) >= {"200", "404"}
    assert "/api/calendly/series/preview" in schema["paths"]
    assert "/api/calendly/series/{series_id}/cancel" in schema["paths"]


def test_each_visit_comes_with_its_own_manage_token_to_move_it_alone(api, plan, first_day):
    answer = api.post(SERIES, with_patient(plan()), format="json").json()
    second = answer["occurrences"][1]
    visit = api.get(f"/api/calendly/bookings/{second['booking_id']}", {"token": second["manage_token"]})
    assert visit.status_code == 200, visit.json()
    assert (visit.json()["series_id"], visit.json()["series_index"]) == (answer["series_id"], 2)
    course = api.get(f"{SERIES}/{answer['series_id']}", {"token": answer["manage_token"]}).json()
    assert [v["manage_token"] for v in course["visits"]] == [o["manage_token"] for o in answer["occurrences"]]
    other = answer["occurrences"][2]
    wrong_token = api.get(f"/api/calendly/bookings/{other['booking_id']}", {"token": second["manage_token"]})
    assert wrong_token.status_code == 404


def test_types_say_whether_patients_may_book_a_course(api, therapy):
    types = {t["slug"]: t for t in api.get("/api/calendly/appointment-types").json()}
    assert types["therapy"]["allow_series"] is True
    assert types["consultation"]["allow_series"] is False
