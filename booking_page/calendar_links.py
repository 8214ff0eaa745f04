"""Putting a booking in the patient's own calendar: an .ics file, or Google's and Outlook's add pages.

They carry what and when, the clinic as the place and the booking's reference: never the patient's name
or their reason for visit, since the links pass through the calendar providers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from notifications import invites
from scheduling.models import Booking, Clinic


def appointment(booking: Booking) -> invites.Appointment:
    return invites.patients_appointment(
        reference=booking.reference,
        revision=booking.revision,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        appointment_type=booking.appointment_type.name,
        practitioner=booking.practitioner.name,
        cancelled=booking.status == Booking.Status.CANCELLED,
        series_reference=booking.series.reference if booking.series_id else "",
    )


def ics_file(booking: Booking, clinic: Clinic) -> bytes:
    return invites.download(appointment(booking), clinic)


def _utc(moment: datetime, pattern: str) -> str:
    return moment.astimezone(UTC).strftime(pattern)


def google_url(booking: Booking, clinic: Clinic) -> str:
    event = appointment(booking)
    dates = f"{_utc(event.starts_at, '%Y%m%dT%H%M%SZ')}/{_utc(event.ends_at, '%Y%m%dT%H%M%SZ')}"
    query = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": dates,
        "details": event.description,
        "location": clinic.location,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def outlook_url(booking: Booking, clinic: Clinic) -> str:
    event = appointment(booking)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": _utc(event.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(event.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "body": event.description,
        "location": clinic.location,
    }
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{urlencode(query)}"
