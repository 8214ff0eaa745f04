"""The retention period: `purge_expired_patients` erases the patients whose last visit ended more than
PATIENT_RETENTION_YEARS ago and nobody else; `export_patient` prints one patient's data and logs the read."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.core.management import call_command

from scheduling import bookings, clinic_time
from scheduling.bookings import PatientDetails
from scheduling.models import Booking, Patient, PatientDataRead
from scheduling.tests.patients import moved_to


@pytest.fixture
def visit(consultation, tomorrow):
    """A patient's booking, moved `years_ago` into the past and completed."""
    hours = iter(range(9, 17))

    def visit(name: str, years_ago: float | None):
        slot = bookings.RequestedSlot(consultation, tomorrow, time(next(hours)))
        booking, _ = bookings.book(slot, patient=PatientDetails(name, f"{name.split()[0].lower()}@example.com"))
        if years_ago is not None:
            start = clinic_time.now() - timedelta(days=365.25 * years_ago)
            moved_to(booking, start, Booking.Status.COMPLETED)
            Patient.objects.filter(pk=booking.patient_id).update(created_at=start)
        return booking.patient

    return visit


def test_patients_past_the_retention_period_are_erased_and_no_one_else(settings, visit, capsys):
    settings.PATIENT_RETENTION_YEARS = 10
    old = visit("Old Timer", years_ago=11)
    recent = visit("Recent Visitor", years_ago=9)
    coming_back = visit("Coming Back", years_ago=12)
    visit("Coming Back", years_ago=None)  # the same person, booked again tomorrow

    call_command("purge_expired_patients", "--dry-run")
    assert "Would erase 1 patients" in capsys.readouterr().out
    assert not Patient.objects.filter(erased_at__isnull=False).exists()

    call_command("purge_expired_patients")
    assert "Erased 1 patients" in capsys.readouterr().out
    assert [p.pk for p in Patient.objects.filter(erased_at__isnull=False)] == [old.pk]
    assert Booking.objects.get(patient=old).patient_name == ""
    assert Booking.objects.get(patient=old).status == Booking.Status.COMPLETED
    assert Patient.objects.get(pk=recent.pk).given_name == "Recent"
    assert Patient.objects.get(pk=coming_back.pk).erased_at is None
    [logged] = PatientDataRead.objects.filter(action="erased")
    assert (logged.patient_id, logged.actor_name, logged.channel) == (old.pk, "purge_expired_patients", "command")

    call_command("purge_expired_patients")
    assert "Erased 0 patients" in capsys.readouterr().out


def test_export_patient_prints_the_record_and_logs_the_read(visit, capsys):
    patient = visit("Ada Lovelace", years_ago=None)
    call_command("export_patient", patient.reference)
    assert json.loads(capsys.readouterr().out)["patient"]["email"] == "ada@example.com"
    call_command("export_patient", patient.reference, "--format", "fhir")
    assert json.loads(capsys.readouterr().out)["type"] == "collection"
    assert PatientDataRead.objects.filter(patient=patient, action="exported", channel="command").count() == 2
