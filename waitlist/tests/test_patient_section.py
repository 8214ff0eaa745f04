"""A patient's record shows their waitlist entries, in the staff API and on the admin's patient page, those of
records merged into it too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling import clinic_time, patients
from scheduling.bookings import PatientDetails
from scheduling.tests.patients import booked
from waitlist import line
from waitlist.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(consultation, tomorrow):
    wish = line.Wish(consultation, tomorrow, tomorrow + timedelta(days=7))
    return line.join(wish, PatientDetails("Mary Jones", "jones@example.com"))


def test_the_record_lists_the_patient_s_entries(admin_client, waiting, tomorrow):
    record = admin_client.get(f"/api/calendly/patients/{waiting.patient.reference}").json()

    assert record["sections"]["waitlist"] == [
        {
            "reference": waiting.reference,
            "appointment_type": "consultation",
            "practitioner": None,
            "earliest_date": tomorrow.isoformat(),
            "latest_date": (tomorrow + timedelta(days=7)).isoformat(),
            "status": Entry.Status.WAITING,
            "joined_at": waiting.joined_at.isoformat(),
            "patient_name": "Mary Jones",
            "patient_email": "jones@example.com",
            "patient_phone": "",
            "emails": [{"kind": "joined", "recipient": "jones@example.com", "status": "pending"}],
        }
    ]


def test_a_merged_record_s_entries_show_on_the_record_it_is_part_of(admin_client, waiting, consultation, tomorrow):
    kept = booked(consultation, tomorrow, "Mary Jones", "mary@example.com").patient
    patients.merge(waiting.patient, kept, by="desk", now=clinic_time.now())

    record = admin_client.get(f"/api/calendly/patients/{kept.reference}").json()
    assert [entry["reference"] for entry in record["sections"]["waitlist"]] == [waiting.reference]
    page = admin_client.get(f"/admin/scheduling/patient/{kept.pk}/change/").content.decode()
    assert "<h3>Waitlist entries</h3>" in page and waiting.reference in page
