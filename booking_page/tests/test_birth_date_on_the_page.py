"""The booking page's details form asks a date of birth: optional, or required where the appointment type asks
for it, and checked as the API checks it."""

from datetime import timedelta

import pytest

from booking_page.tests.html import text
from booking_page.tests.patient import PATIENT
from scheduling import clinic_time
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def born_years_ago(years: int):
    today = clinic_time.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def test_the_details_form_offers_an_optional_date_of_birth(clinic, choose_time, send_details, tomorrow):
    details = choose_time(tomorrow, "11:00")
    body = details.content.decode()
    assert "Date of birth (optional)" in text(details)
    assert 'type="date" name="patient_birth_date"' in body and 'autocomplete="bday"' in body
    born = born_years_ago(34)
    booked = send_details(details, {**PATIENT, "patient_birth_date": born.isoformat()})
    assert "You are booked" in text(booked)
    assert Booking.objects.get().patient_birth_date == born


def test_a_type_that_asks_for_it_marks_it_required_and_refuses_without(
    clinic, consultation, choose_time, send_details, tomorrow
):
    consultation.requires_birth_date = True
    consultation.save()
    details = choose_time(tomorrow, "11:00")
    assert "Date of birth (required)" in text(details)
    refused = send_details(details, PATIENT)
    assert "Date of birth: This field is required." in text(refused)
    assert Booking.objects.get().status == Booking.Status.HELD


def test_a_future_date_of_birth_and_a_number_that_cannot_be_called_are_refused(
    clinic, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "11:00")
    future = (clinic_time.today() + timedelta(days=1)).isoformat()
    refused = send_details(details, {**PATIENT, "patient_birth_date": future, "patient_phone": "+1 555 0100"})
    page = text(refused)
    assert "A date of birth cannot be in the future." in page
    assert "Phone: Enter a phone number that can be called" in page
    assert Booking.objects.get().status == Booking.Status.HELD


def test_the_waitlist_form_asks_it_too(client, clinic, consultation, tomorrow):
    consultation.requires_birth_date = True
    consultation.save()
    page = client.get("/book/consultation/waitlist/")
    assert "Date of birth (required)" in text(page)
