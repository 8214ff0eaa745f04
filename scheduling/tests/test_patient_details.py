"""A patient's name and e-mail address are stored the same whichever interface took them: on one line, NFC,
without invisible characters, and with an address mail can reach (scheduling/patient_details.py)."""

from datetime import time

import pytest

from scheduling import bookings, clinic_time
from scheduling.bookings import PatientDetails
from scheduling.models import Booking
from scheduling.rules import RequestedSlot

pytestmark = pytest.mark.django_db

RLO, PDI, ZWSP, BOM, LRI = "\u202e", "\u2069", "\u200b", "\ufeff", "\u2066"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ada\nLovelace", "Ada Lovelace"),
        ("Ada\r\nLovelace", "Ada Lovelace"),
        ("Ada\tLovelace ", "Ada Lovelace"),
        (f"Ada {RLO}ecalevoL", "Ada ecalevoL"),  # shown reversed to staff as "Lovelace"
        (f"{LRI}Ada{PDI} Love{ZWSP}lace{BOM}", "Ada Lovelace"),
        ("Rene\u0301 Descartes", "Ren\u00e9 Descartes"),  # e + combining acute: NFC makes it one é
        ("\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627", "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"),
    ],
)
def test_a_name_is_stored_on_one_line_nfc_without_invisible_characters(book, tomorrow, typed, stored):
    response = book(tomorrow, "10:00", patient_name=typed)
    assert response.status_code == 200, response.json()
    assert Booking.objects.get().patient_name == stored


def test_a_name_made_only_of_invisible_characters_is_400_naming_the_field(book, tomorrow):
    response = book(tomorrow, "10:00", patient_name=f"{ZWSP}{RLO}{BOM}")
    assert response.status_code == 400
    assert "patient_name" in response.json()["errors"]
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "address", ["ann@[127.0.0.1]", "ann@[IPv6:::1]", "ann@localhost", "ann@clinic", "ann@mail-server"]
)
def test_an_address_with_a_domain_literal_or_no_dot_is_400_naming_the_field(book, tomorrow, address):
    response = book(tomorrow, "10:00", patient_email=address)
    assert response.status_code == 400
    assert "patient_email" in response.json()["errors"]
    assert not Booking.objects.exists()


def test_the_admin_refuses_such_an_address_and_stores_the_name_normalised(admin_client, clinic, tomorrow):
    form = {
        "appointment_type": clinic.appointment_types.get(slug="consultation").pk,
        "practitioner": clinic.pk,
        "date": tomorrow.isoformat(),
        "start_time": "10:00",
        "patient_name": f"Ada {ZWSP}Lovelace",
        "patient_email": "ada@localhost",
    }
    refused = admin_client.post("/admin/scheduling/booking/add/", form)
    assert refused.status_code == 200
    assert "Enter an e-mail address with a domain name" in refused.content.decode()
    assert not Booking.objects.exists()
    saved = admin_client.post("/admin/scheduling/booking/add/", {**form, "patient_email": "ada@example.com"})
    assert saved.status_code == 302
    assert Booking.objects.get().patient_name == "Ada Lovelace"


def test_the_write_path_stores_a_name_on_one_line_whoever_calls_it(clinic, consultation, tomorrow):
    """`manage.py shell` and any interface still to come write through the same Patient."""
    booking, _ = bookings.book(
        RequestedSlot(consultation, tomorrow, time(10, 0)),
        patient=PatientDetails(name=f"Ada\n{RLO}Lovelace"),
        by=bookings.PATIENT,
        now=clinic_time.now(),
    )
    assert Booking.objects.get(pk=booking.pk).patient_name == "Ada Lovelace"
