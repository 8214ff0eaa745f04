"""Calendar data (RFC 5545) for a patient's invite and a practitioner's feed, built with icalendar.

Every booking is one calendar event with a stable UID; its SEQUENCE is the booking's revision, so a
calendar that already has the event replaces it with a later version and ignores an earlier one. Times
are written as UTC instants: no calendar can then misread the clinic's zone. A visit of a course of
treatment is an event of its own too, RELATED-TO the course's UID: moving one visit updates that event
alone, never the others (a recurring event, RRULE, would rewrite them all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from scheduling.models import Clinic

PRODUCT_ID = "-//Clinic scheduling//Appointments//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Appointment:
    """A booking as a calendar shows it."""

    reference: str
    revision: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    cancelled: bool = False
    description: str = ""
    url: str = ""
    # The UID of the course of treatment this visit is one of; empty for a single booking.
    related_to: str = ""


def patients_appointment(
    *,
    reference: str,
    revision: int,
    starts_at: datetime,
    ends_at: datetime,
    appointment_type: str,
    practitioner: str,
    cancelled: bool,
    manage_url: str = "",
    series_reference: str = "",
) -> Appointment:
    """A booking as the patient's own calendar shows it (an invite, a download, an add-to-calendar link):
    what and with whom, when, its reference and where to manage it; never the patient's details, since
    calendar providers see it."""
    description = f"Booking {reference}" + (f". View, move or cancel: {manage_url}" if manage_url else "")
    return Appointment(
        reference=reference,
        revision=revision,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=f"{appointment_type} with {practitioner}",
        cancelled=cancelled,
        description=description,
        url=manage_url,
        related_to=uid(series_reference) if series_reference else "",
    )


def uid(reference: str) -> str:
    return f"{reference}@clinic-scheduling"


def patient_invite(appointment: Appointment, clinic: Clinic, *, patient_name: str, patient_email: str) -> bytes:
    """An invite for the patient's calendar: REQUEST to add or update it, CANCEL to remove it."""
    calendar = _calendar(method=CANCEL if appointment.cancelled else REQUEST)
    event = _event(appointment, clinic, stamp=datetime.now(UTC))
    organizer = vCalAddress(f"mailto:{clinic.sender_email}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{patient_email}")
    attendee.params.update({"cn": vText(patient_name), "role": "REQ-PARTICIPANT", "rsvp": "FALSE"})
    attendee.params["partstat"] = "DECLINED" if appointment.cancelled else "ACCEPTED"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def download(appointment: Appointment, clinic: Clinic) -> bytes:
    """One appointment as a file the patient opens or imports (PUBLISH: nothing to answer). Its UID is the
    invite's, so a calendar that has both keeps one event."""
    calendar = _calendar(method="PUBLISH")
    calendar.add_component(_event(appointment, clinic, stamp=datetime.now(UTC)))
    return calendar.to_ical()


def course(appointments: list[Appointment], clinic: Clinic) -> bytes:
    """A course's visits as one file, one event each (PUBLISH: an iTIP REQUEST is about one event, one UID,
    and a course is several). Each event's UID and SEQUENCE are its invite's, so the update or cancellation
    of one visit, sent later as its own invite, replaces that event and leaves the others alone."""
    calendar = _calendar(method="PUBLISH")
    stamp = datetime.now(UTC)
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic, stamp=stamp))
    return calendar.to_ical()


def feed(appointments: list[Appointment], clinic: Clinic, *, name: str, stamp: datetime) -> bytes:
    """A subscribable calendar of appointments (PUBLISH: no attendees, nothing to answer)."""
    calendar = _calendar(method="PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic, stamp=stamp))
    return calendar.to_ical()


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _event(appointment: Appointment, clinic: Clinic, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(appointment.reference))
    event.add("sequence", appointment.revision)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", appointment.summary)
    event.add("status", "CANCELLED" if appointment.cancelled else "CONFIRMED")
    event.add("location", clinic.location)
    if appointment.description:
        event.add("description", appointment.description)
    if appointment.url:
        event.add("url", appointment.url)
    if appointment.related_to:
        event.add("related-to", appointment.related_to)
    return event
