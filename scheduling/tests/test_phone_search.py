"""Staff find a patient's bookings by phone however the number was typed, in the search box or the booking."""

from datetime import time

import pytest
from django.urls import reverse

from scheduling import bookings
from scheduling.patient_details import typed_phone_forms

pytestmark = pytest.mark.django_db

FORMS = ["07700 900123", "+44 7700 900123", "00447700900123", "(07700) 900-123"]


def booked_with_phone(consultation, day, hour, name, phone):
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, day, time(hour)),
        patient=bookings.PatientDetails(name=name, phone=phone),
    )
    return booking


@pytest.mark.parametrize("typed", FORMS)
@pytest.mark.parametrize("searched", FORMS)
def test_booking_search_finds_a_phone_typed_in_any_form(admin_client, consultation, tomorrow, typed, searched):
    booked_with_phone(consultation, tomorrow, 10, "Ada Lovelace", typed)
    booked_with_phone(consultation, tomorrow, 11, "Someone Else", "07700 900456")

    page = admin_client.get(reverse("admin:scheduling_booking_changelist"), {"q": searched}).content.decode()

    assert "Ada Lovelace" in page
    assert "Someone Else" not in page


def test_booking_search_by_phone_keeps_to_the_list_filters(admin_client, consultation, tomorrow):
    booked_with_phone(consultation, tomorrow, 10, "Ada Lovelace", "07700 900123")
    url = reverse("admin:scheduling_booking_changelist")

    page = admin_client.get(url, {"q": "+447700900123", "status": "cancelled"}).content.decode()

    assert "Ada Lovelace" not in page


@pytest.mark.parametrize("searched", FORMS)
def test_patient_search_finds_the_record_by_phone_in_any_form(admin_client, consultation, tomorrow, searched):
    booked_with_phone(consultation, tomorrow, 10, "Ada Lovelace", "(07700) 900-123")

    page = admin_client.get(reverse("admin:scheduling_patient_changelist"), {"q": searched}).content.decode()

    assert "Lovelace" in page


def test_a_number_is_compared_in_each_form_it_can_be_typed_in():
    assert typed_phone_forms("07700 900123") == ["+447700900123", "00447700900123", "07700900123"]
    assert typed_phone_forms("+1 212 555 0100") == ["+12125550100", "0012125550100"]
    assert typed_phone_forms("not a phone") == []
