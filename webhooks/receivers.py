"""What each booking change puts in the webhook outbox: one delivery per active endpoint that asked for
the event, and one series.created per course of treatment booked. Runs inside the write path's
transaction, so deliveries commit with the change or not at all.

The payload is thin on purpose: no patient details. A receiver that needs them fetches the booking with
its staff token. Every booking event names the course its booking is a visit of (`series_id`, null for a
single booking). It does carry the rooms and equipment the booking claims (`resources`) and, for a seat of a
group session, the session's size: what a receiver (a room display, a calendar) needs to place it.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder

from scheduling.models import Booking, BookingEvent, BookingSeries
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
    endpoints = subscribed(event_type)
    if endpoints:
        queue(endpoints, booking, event, event_type, payload(booking, event, event_type))


def on_series_booked(sender, series: BookingSeries, bookings: list[Booking], **kwargs) -> None:
    """series.created, on the course's first visit and its creation (the event every delivery hangs on)."""
    endpoints = subscribed(EventType.SERIES_CREATED)
    if not endpoints:
        return
    first = bookings[0]
    created = first.events.filter(kind=Change.CREATED).latest("pk")
    queue(endpoints, first, created, EventType.SERIES_CREATED, series_payload(series, bookings, created))


def subscribed(event_type: str) -> list[Endpoint]:
    return [e for e in Endpoint.objects.filter(is_active=True) if event_type in e.events]


def queue(endpoints: list[Endpoint], booking: Booking, event: BookingEvent, event_type: str, body: str) -> None:
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
    return as_json(
        {
            "type": event_type,
            "timestamp": event.occurred_at,
            "data": {
                "booking_id": booking.reference,
                "series_id": booking.series.reference if booking.series_id else None,
                "revision": event.revision,
                "status": booking.status,
                "practitioner": booking.practitioner.slug,
                "appointment_type": booking.appointment_type.slug,
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
                "resources": booking_resources(booking),
                "session": session_summary(booking),
            },
        }
    )


def series_payload(series: BookingSeries, bookings: list[Booking], created: BookingEvent) -> str:
    """The course and its visits' booking ids in date order; each visit's times, rooms and status come in
    its own booking.created. As thin as those: no patient."""
    return as_json(
        {
            "type": EventType.SERIES_CREATED,
            "timestamp": created.occurred_at,
            "data": {
                "series_id": series.reference,
                "appointment_type": series.appointment_type.slug,
                # In the order they first see the patient; one unless the course asked for anyone free.
                "practitioners": list(dict.fromkeys(booking.practitioner.slug for booking in bookings)),
                "booking_ids": [booking.reference for booking in bookings],
            },
        }
    )


def as_json(body: dict) -> str:
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"))


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
