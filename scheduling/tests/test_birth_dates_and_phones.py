"""A patient's date of birth and phone number as every way in takes them: the API's booking and hold
confirmation, the admin's booking form and the waitlist; optional unless the appointment type asks for the date
of birth, and checked the same everywhere (scheduling/patient_details.py)."""

from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.models import Booking, BookingEvent, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def asks_birth_date(consultation):
    consultation.requires_birth_date = True
    consultation.save()
    return consultation


def years_ago(years: int, days: int = 0):
    today = clinic_time.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - timedelta(days=days)


def test_a_birth_date_is_kept_on_the_booking_and_the_patient_record(book, tomorrow):
    born = years_ago(40)
    response = book(tomorrow, "10:00", patient_email="ann@example.com", patient_birth_date=born.isoformat())
    assert response.status_code == 200, response.json()
    booking = Booking.objects.get()
    assert booking.patient_birth_date == born
    assert booking.patient.birth_date == born


def test_without_a_birth_date_a_type_that_does_not_ask_for_one_books(book, tomorrow):
    response = book(tomorrow, "10:00")
    assert response.status_code == 200, response.json()
    assert Booking.objects.get().patient_birth_date is None


def test_a_type_that_asks_for_the_birth_date_refuses_a_booking_without_one(book, tomorrow, asks_birth_date):
    response = book(tomorrow, "10:00")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "required"
    assert "date of birth" in body["errors"]["patient_birth_date"][0]
    assert not Booking.objects.exists()
    assert not Patient.objects.exists()
    assert book(tomorrow, "10:00", patient_birth_date=years_ago(30).isoformat()).status_code == 200


def test_confirming_a_hold_of_such_a_type_needs_the_birth_date_too(api, tomorrow, asks_birth_date):
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "11:00"},
        format="json",
    ).json()
    confirm = {"hold_id": held["hold_id"], "patient_name": "Ann Lee"}
    refused = api.post("/api/calendly/book", confirm, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "required"
    assert list(refused.json()["errors"]) == ["patient_birth_date"]
    assert Booking.objects.get().status == Booking.Status.HELD

    born = years_ago(25)
    booked = api.post("/api/calendly/book", {**confirm, "patient_birth_date": born.isoformat()}, format="json")
    assert booked.status_code == 200, booked.json()
    assert Booking.objects.get().patient_birth_date == born


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (lambda: (clinic_time.today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
        (lambda: years_ago(130, days=1).isoformat(), "at most 130 years ago"),
        (lambda: "1990-02-30", "not a date on the calendar"),
        (lambda: "30/01/1990", "YYYY-MM-DD"),
    ],
)
def test_a_birth_date_that_cannot_be_a_patients_is_400_naming_the_field(book, tomorrow, typed, message):
    response = book(tomorrow, "10:00", patient_birth_date=typed())
    assert response.status_code == 400
    assert message in response.json()["errors"]["patient_birth_date"][0]
    assert not Booking.objects.exists()


def test_today_and_exactly_130_years_ago_are_accepted(book, tomorrow):
    assert book(tomorrow, "10:00", patient_birth_date=clinic_time.today().isoformat()).status_code == 200
    assert book(tomorrow, "11:00", patient_birth_date=years_ago(130).isoformat()).status_code == 200


def test_the_appointment_types_say_which_ask_for_the_birth_date(api, asks_birth_date):
    shown = {t["slug"]: t for t in api.get("/api/calendly/appointment-types").json()}
    assert shown["consultation"]["requires_birth_date"] is True
    assert shown["follow-up"]["requires_birth_date"] is False
    assert shown["consultation"]["duration_minutes"] == asks_birth_date.duration_minutes  # the old fields stay


@pytest.mark.parametrize("phone", ["+1 555 0100", "12345", "+44 20 1234", "call me"])
def test_a_phone_number_that_cannot_be_called_is_400_naming_the_field(book, tomorrow, phone):
    response = book(tomorrow, "10:00", patient_phone=phone)
    assert response.status_code == 400
    assert "patient_phone" in response.json()["errors"]
    assert not Booking.objects.exists()


def test_the_booking_keeps_the_number_as_typed_and_the_record_in_e164(book, tomorrow):
    assert book(tomorrow, "10:00", patient_phone="020 7946 0958").status_code == 200
    booking = Booking.objects.get()
    assert booking.patient_phone == "020 7946 0958"
    assert booking.patient.phone == "+442079460958"


def test_the_history_records_the_birth_date_given(book, tomorrow):
    born = years_ago(33)
    assert book(tomorrow, "10:00", patient_birth_date=born.isoformat()).status_code == 200
    created = BookingEvent.objects.get()
    assert created.changes["patient_birth_date"] == [None, born.isoformat()]


def admin_form(clinic, tomorrow, **fields):
    return {
        "appointment_type": clinic.appointment_types.get(slug="consultation").pk,
        "practitioner": clinic.pk,
        "date": tomorrow.isoformat(),
        "start_time": "10:00",
        "patient_name": "Ada Lovelace",
        "patient_email": "ada@example.com",
        **fields,
    }


def test_the_admin_asks_the_birth_date_when_the_type_does(admin_client, clinic, tomorrow, asks_birth_date):
    refused = admin_client.post("/admin/scheduling/booking/add/", admin_form(clinic, tomorrow))
    assert refused.status_code == 200
    assert "needs the patient&#x27;s date of birth" in refused.content.decode()
    assert not Booking.objects.exists()
    born = years_ago(60)
    saved = admin_client.post(
        "/admin/scheduling/booking/add/", admin_form(clinic, tomorrow, patient_birth_date=born.isoformat())
    )
    assert saved.status_code == 302
    assert Booking.objects.get().patient_birth_date == born


def test_the_admin_refuses_a_future_birth_date_and_a_number_that_cannot_be_called(admin_client, clinic, tomorrow):
    future = (clinic_time.today() + timedelta(days=3)).isoformat()
    refused = admin_client.post(
        "/admin/scheduling/booking/add/",
        admin_form(clinic, tomorrow, patient_birth_date=future, patient_phone="+1 555 0100"),
    )
    page = refused.content.decode()
    assert "A date of birth cannot be in the future." in page
    assert "Enter a phone number that can be called" in page
    assert not Booking.objects.exists()


def test_editing_a_booking_in_the_admin_keeps_its_birth_date(admin_client, clinic, book, tomorrow):
    born = years_ago(45)
    book(tomorrow, "10:00", patient_email="ada@example.com", patient_birth_date=born.isoformat())
    booking = Booking.objects.get()
    page = admin_client.get(f"/admin/scheduling/booking/{booking.pk}/change/").content.decode()
    assert born.isoformat() in page


def test_staff_set_whether_a_type_asks_for_the_birth_date(admin_client, consultation):
    page = admin_client.get(f"/admin/scheduling/appointmenttype/{consultation.pk}/change/").content.decode()
    assert 'name="requires_birth_date"' in page


def test_joining_the_waitlist_takes_a_birth_date_and_asks_for_it_when_the_type_does(api, tomorrow, asks_birth_date):
    join = {
        "appointment_type": "consultation",
        "earliest_date": tomorrow.isoformat(),
        "latest_date": tomorrow.isoformat(),
        "patient_name": "Ann Lee",
        "patient_email": "ann@example.com",
    }
    refused = api.post("/api/calendly/waitlist", join, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["patient_birth_date"]
    bad_phone = api.post(
        "/api/calendly/waitlist",
        {**join, "patient_birth_date": years_ago(20).isoformat(), "patient_phone": "+1 555 0100"},
        format="json",
    )
    assert "patient_phone" in bad_phone.json()["errors"]

    born = years_ago(20)
    joined = api.post("/api/calendly/waitlist", {**join, "patient_birth_date": born.isoformat()}, format="json")
    assert joined.status_code == 201, joined.json()
    assert Patient.objects.get().birth_date == born
