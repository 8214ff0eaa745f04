"""A booking's admin page links to the patient's record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def page(admin_client, booking: Booking):
    response = admin_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_confirmed_booking_links_to_its_patient_record(admin_client, book, tomorrow):
    reference = book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()
    booking = Booking.objects.get(reference=reference["booking_id"])
    shown = page(admin_client, booking)
    record = reverse("admin:scheduling_patient_change", args=[booking.patient.pk])
    assert f'<a href="{record}">Ada Lovelace ({booking.patient.reference})</a>' in shown
    assert 'name="start_time"' in shown
