"""A patient's message as an e-mail: its templates and what they are told (outbox/mail.py renders them as
the clinic's e-mail; a clinic may override them, see docs/emails.md), and the calendar invite.

Only what the patient needs to find their appointment: what, when, who, where and the manage link. No
reason for visit or other clinical detail: whoever follows the link sees the rest.
"""

from __future__ import annotations

from datetime import date, datetime
from email.charset import Charset
from email.mime.text import MIMEText

from django.core.mail import EmailMultiAlternatives

from notifications import invites
from notifications.models import Message
from outbox import mail
from scheduling import bookings, clinic_time, links
from scheduling.models import BookingEvent, Clinic
from scheduling.rules import TooLateToChange

# Calendar data is short folded lines: sent as 8-bit text, as Django sends text parts, not base64, so it
# reads as it is in a console or a mail source view.
READABLE_UTF8 = Charset("utf-8")
READABLE_UTF8.body_encoding = None
# Invites go with what changes the patient's calendar; a reminder changes nothing.
WITH_INVITE = {Message.Kind.CONFIRMATION, Message.Kind.UPDATE, Message.Kind.CANCELLATION}
# Messages about a booking the patient may still want to change.
CHANGEABLE_KINDS = {Message.Kind.CONFIRMATION, Message.Kind.UPDATE, Message.Kind.REMINDER}


def compose(message: Message) -> EmailMultiAlternatives:
    clinic = Clinic.load()
    course = message.kind == Message.Kind.COURSE
    context = course_context(message, clinic) if course else template_context(message, clinic)
    email = mail.build(
        f"notifications/email/{message.kind}",
        context,
        clinic,
        to=(context["patient_name"], message.recipient),
        message_id=mail.message_id(message, clinic),
    )
    if message.kind in WITH_INVITE:
        email.attach(invite_part(message, clinic, context["manage_url"]))
    if course:
        email.attach(course_part(message, clinic, context["manage_url"]))
    return email


def times(message: Message) -> tuple[datetime, datetime]:
    """The start and end the message tells of, as instants on the clinic's clock."""
    booking = message.booking_snapshot
    return tuple(clinic_time.local(datetime.fromisoformat(booking[key])) for key in ("starts_at", "ends_at"))


def template_context(message: Message, clinic: Clinic) -> dict:
    booking = message.booking_snapshot
    starts, ends = times(message)
    return {
        "clinic": clinic,
        "kind": message.kind,
        "patient_name": booking["patient_name"],
        "appointment_type": booking["appointment_type"],
        "practitioner": booking["practitioner"],
        "reference": booking["reference"],
        "starts": starts,
        "ends": ends,
        "when": when(starts, ends, clinic),
        "where": clinic.location,
        "manage_url": links.patients_manage_url(message.booking),
        "remind_minutes_before": message.remind_minutes_before,
        "too_late_to_change": _too_late_to_change(message),
        **(_offer_context(message) if message.kind == Message.Kind.OFFER else {}),
        **_clinic_change_context(message),
    }


def _clinic_change_context(message: Message) -> dict:
    """A cancellation links to the booking page at the same type and practitioner to book again, and one by
    the clinic says why; an offer of new times links to the move page. The reason is what staff wrote for
    patients (never the reason for visit)."""
    if message.kind == Message.Kind.NEW_TIMES:
        return {
            "schedule_reason": as_sentence(message.event.reason),
            "move_url": links.patients_move_url(message.booking),
        }
    if message.kind == Message.Kind.CANCELLATION and message.event.actor == BookingEvent.Actor.PATIENT:
        return {"book_again_url": links.patients_book_again_url(message.booking)}
    if message.kind == Message.Kind.CANCELLATION:
        reason = message.event.reason
        return {
            "cancelled_by_clinic": True,
            "schedule_reason": as_sentence(reason.removeprefix(bookings.SCHEDULE_CHANGED))
            if reason.startswith(bookings.SCHEDULE_CHANGED)
            else "",
            "book_again_url": links.patients_book_again_url(message.booking),
        }
    return {}


def as_sentence(reason: str) -> str:
    """Staff type the reason without a full stop ("The clinic is closed for staff training"), and the e-mail
    goes on with another sentence after it: end it with one, so the two do not run together."""
    reason = reason.strip()
    return reason if not reason or reason[-1] in ".!?" else f"{reason}."


def _too_late_to_change(message: Message) -> str:
    """Why the patient can no longer cancel or move the booking online as the e-mail goes out (it started,
    or its type's cutoff has passed: a reminder usually comes late), so it says to call instead; or ""."""
    if message.kind not in CHANGEABLE_KINDS:
        return ""
    refused = bookings.change_refusal(message.booking, by=bookings.PATIENT, now=clinic_time.now())
    return refused.message if isinstance(refused, TooLateToChange) else ""


def _offer_context(message: Message) -> dict:
    """An offer links to the page that accepts or declines it, and says until when it stands."""
    return {
        "offer_url": links.patients_offer_url(message.booking),
        "offer_expires": clinic_time.local(datetime.fromisoformat(message.booking_snapshot["hold_expires_at"])),
    }


def when(starts: datetime, ends: datetime, clinic: Clinic) -> str:
    """'Tuesday 1 December 2026, 09:00 to 09:30 London time (GMT)': local time with its zone named."""
    zone = clinic.zone_name
    abbreviation = starts.tzname()
    named = zone if abbreviation in (None, zone) else f"{zone} ({abbreviation})"
    return f"{starts:%A} {starts.day} {starts:%B %Y}, {starts:%H:%M} to {ends:%H:%M} {named}"


def course_context(message: Message, clinic: Clinic) -> dict:
    """A course's confirmation: what, who and where once, then every visit booked (numbered as in the
    course, with whom when the practitioners differ) and the dates asked for that were not booked."""
    snapshot = message.booking_snapshot
    course = snapshot["course"]
    visits = []
    for visit in course["visits"]:
        starts, ends = (clinic_time.local(datetime.fromisoformat(visit[key])) for key in ("starts_at", "ends_at"))
        visits.append({**visit, "starts": starts, "when": when(starts, ends, clinic)})
    practitioners = list(dict.fromkeys(visit["practitioner"] for visit in visits))
    skipped = []
    for left_out in course["skipped"]:
        day = date.fromisoformat(left_out["date"])
        skipped.append({**left_out, "when": f"{day:%A} {day.day} {day:%B %Y} at {left_out['start_time']}"})
    return {
        "clinic": clinic,
        "kind": message.kind,
        "patient_name": snapshot["patient_name"],
        "appointment_type": snapshot["appointment_type"],
        "practitioner": ", ".join(practitioners),
        "several_practitioners": len(practitioners) > 1,
        "reference": course["reference"],
        "visits": visits,
        "starts": visits[0]["starts"],
        "skipped": skipped,
        "where": clinic.location,
        "manage_url": links.patients_course_url(message.booking.series),
    }


def appointment_of(booking: dict, *, cancelled: bool, manage_url: str) -> invites.Appointment:
    """A booking as told in a message (its snapshot, or a visit of a course's) as the patient's calendar
    event: the one builder for invites and course files, so a visit's event is the same in both."""
    starts, ends = (clinic_time.local(datetime.fromisoformat(booking[key])) for key in ("starts_at", "ends_at"))
    return invites.patients_appointment(
        reference=booking["reference"],
        revision=booking["revision"],
        starts_at=starts,
        ends_at=ends,
        appointment_type=booking["appointment_type"],
        practitioner=booking["practitioner"],
        cancelled=cancelled,
        manage_url=manage_url,
        series_reference=booking.get("series", ""),
    )


def invite_part(message: Message, clinic: Clinic, manage_url: str) -> MIMEText:
    booking = message.booking_snapshot
    appointment = appointment_of(booking, cancelled=message.kind == Message.Kind.CANCELLATION, manage_url=manage_url)
    ics = invites.patient_invite(
        appointment, clinic, patient_name=booking["patient_name"], patient_email=message.recipient
    )
    return calendar_part(ics, invites.CANCEL if appointment.cancelled else invites.REQUEST, "invite.ics")


def course_part(message: Message, clinic: Clinic, manage_url: str) -> MIMEText:
    """Every visit of the course as its own event, in one file."""
    snapshot = message.booking_snapshot
    course = snapshot["course"]
    appointments = [
        appointment_of(
            {**visit, "appointment_type": snapshot["appointment_type"], "series": course["reference"]},
            cancelled=False,
            manage_url=manage_url,
        )
        for visit in course["visits"]
    ]
    return calendar_part(invites.course(appointments, clinic), "PUBLISH", "course.ics")


def calendar_part(ics: bytes, method: str, filename: str) -> MIMEText:
    part = MIMEText(ics.decode(), "calendar", READABLE_UTF8)
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
