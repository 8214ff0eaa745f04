"""Notifications' part of a patient's record (scheduling/patients/sections.py): the e-mails sent about their
bookings. Which message, to whom, when and how it went; never what it said (the body is the booking's
details again, and staff read those on the booking)."""

from __future__ import annotations

from notifications.models import Message


def messages(patient_pks: list[int]) -> list[dict]:
    """The patient's messages, oldest first."""
    sent = Message.objects.filter(booking__patient_id__in=patient_pks).select_related("booking")
    return [
        {
            "channel": "email",
            "template": message.kind,
            "booking": message.booking.reference,
            "recipient": message.recipient,
            "status": message.status,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in sent.order_by("created_at", "pk")
    ]
