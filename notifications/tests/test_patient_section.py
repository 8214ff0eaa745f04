"""A patient's record lists the e-mails sent about their bookings (channel, template, status, times), in the
staff API and on the admin's patient page; never what they said."""

from __future__ import annotations

from datetime import time

import pytest

from notifications.models import Message
from scheduling import bookings
from scheduling.bookings import PatientDetails

pytestmark = pytest.mark.django_db


def test_the_record_lists_messages_but_never_their_bodies(admin_client, consultation, tomorrow):
    visit, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=PatientDetails("Mary Jones", "jones@example.com", reason_for_visit="canary-reason-4711"),
    )
    sent = Message.objects.filter(booking=visit).order_by("created_at", "pk")

    record = admin_client.get(f"/api/calendly/patients/{visit.patient.reference}")
    messages = record.json()["sections"]["messages"]

    assert [(m["channel"], m["template"], m["booking"], m["status"]) for m in messages] == [
        ("email", message.kind, visit.reference, message.status) for message in sent
    ]
    assert "confirmation" in {m["template"] for m in messages}
    assert all(m["recipient"] == "jones@example.com" and m["created_at"] for m in messages)
    assert "canary-reason-4711" not in record.content.decode()
    page = admin_client.get(f"/admin/scheduling/patient/{visit.patient_id}/change/").content.decode()
    assert "<h3>Messages sent</h3>" in page and "confirmation" in page
    assert "canary-reason-4711" not in page
