"""What each booking change puts in the webhook outbox: one delivery per active endpoint that asked for
the event. Runs inside the write path's transaction, so deliveries commit with the change or not at all.

The payload is thin on purpose: no patient details. A receiver that needs them fetches the booking with
its staff token. It does carry the rooms and equipment the booking claims (`resources`) and, for a seat of a
group session, the session's size: what a receiver (a room display, a calendar) needs to place it.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

from scheduling.models import Booking, BookingEvent
from scheduling.units import booking_resources
from webhooks import delivery
from webhooks.models import Delivery, Endpoint, EventType

Change = BookingEvent.Kind
EVENT_TYPES = {
    Change.CREATED: EventType.CREATED,
    Change.RESCHEDULED: EventType.RESCHEDULED,
    Change.CANCELLED: EventType.CANCELLED,
    Change.CHECKED_IN: EventType.CHECKED_IN,
    Change.COMPLETED: EventType.COMPLETED,
    Change.NO_SHOW: EventType.NO_SHOW,
}


def on_booking_changed(sender, booking: Booking, event: BookingEvent, **kwargs) -> None:
    event_type = EVENT_TYPES.get(event.kind)
    if event_type is None:
        return
    endpoints = [e for e in Endpoint.objects.filter(is_active=True) if event_type in e.events]
    if not endpoints:
        return
    body = payload(booking, event, event_type)
    for endpoint in endpoints:
        delivery.queue(
            Delivery.objects.create(
                endpoint=endpoint,
                event=event,
                booking=booking,
                revision=event.revision,
                event_type=event_type,
                body=body,
                next_attempt_at=event.occurred_at,
            )
        )


def payload(booking: Booking, event: BookingEvent, event_type: str) -> str:
    return json.dumps(
        {
            "type": event_type,
            "timestamp": event.occurred_at,
            "data": {
                "booking_id": booking.reference,
                "revision": event.revision,
                "status": booking.status,
                "practitioner": booking.practitioner.slug,
                "appointment_type": booking.appointment_type.slug,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "resources": booking_resources(booking),
                "session": session_summary(booking),
            },
        },
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def session_summary(booking: Booking) -> dict | None:
    """The group session a seat belongs to, as it stands after this change; None for other types."""
    session = booking.session
    if session is None:
        return None
    return {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "seats_taken": session.seats.filter(status__in=Booking.BLOCKING).count(),
    }
