"""What each booking change puts in the outbox: a confirmation, an update or a cancellation for the
patient, the reminders before the visit, the offer of a time held for a patient on the waitlist, and the
new manage link when staff revoked the old one. A course of treatment is confirmed once, listing every
visit (scheduling.signals.series_booked); its visits are not confirmed one by one, but each has its own
reminders, updates and cancellation.

Runs inside the write path's transaction (scheduling.signals.booking_changed): the rows and the tasks
that will send them commit with the change, or not at all. Nothing here talks to a mail server.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from notifications import delivery
from notifications.models import Message
from scheduling.bookings.series import CoursePlan
from scheduling.models import Booking, BookingEvent, BookingSeries

Change = BookingEvent.Kind

ANNOUNCED = {
    Change.CREATED: Message.Kind.CONFIRMATION,
    Change.RESCHEDULED: Message.Kind.UPDATE,
    Change.CANCELLED: Message.Kind.CANCELLATION,
    Change.OFFERED: Message.Kind.OFFER,
    Change.MANAGE_LINK_REVOKED: Message.Kind.NEW_LINK,
    Change.NEW_TIMES_OFFERED: Message.Kind.NEW_TIMES,
}
# After these, reminders already scheduled no longer apply; created and rescheduled schedule them anew.
ENDS_REMINDERS = {
    Change.RESCHEDULED: "The appointment moved; reminders for the new time replace this one.",
    Change.CANCELLED: "The appointment was cancelled.",
    Change.CHECKED_IN: "The patient checked in.",
    Change.COMPLETED: "The visit took place.",
    Change.NO_SHOW: "The patient did not come.",
}


def on_booking_changed(sender, booking: Booking, event: BookingEvent, **kwargs) -> None:
    # A booking without an address has no reminders left: removing the address cancelled them.
    if event.kind in ENDS_REMINDERS and booking.patient_email:
        cancel_unsent(booking.messages.filter(kind=Message.Kind.REMINDER), ENDS_REMINDERS[event.kind])
    if event.kind == Change.PATIENT_DETAILS_CHANGED and "patient_email" in event.changes:
        _readdress(booking)
    if not booking.patient_email or event.kind not in ANNOUNCED:
        return
    snapshot = booking_snapshot(booking)
    # A course's visit is confirmed with the whole course, by on_series_booked.
    confirmed_with_course = event.kind == Change.CREATED and booking.series_id is not None
    announcement = (
        []
        if confirmed_with_course
        else [
            Message(
                booking=booking,
                event=event,
                kind=ANNOUNCED[event.kind],
                recipient=booking.patient_email,
                booking_snapshot=snapshot,
                next_attempt_at=event.occurred_at,
            )
        ]
    )
    reminders = _reminders(booking, event, snapshot) if event.kind in (Change.CREATED, Change.RESCHEDULED) else []
    delivery.queue_all(Message.objects.bulk_create([*announcement, *reminders]))


def on_series_booked(sender, series: BookingSeries, bookings: list[Booking], **kwargs) -> None:
    """One confirmation for a course, on its first visit's booking and creation: every visit booked, and
    the asked-for dates left out (taken, or a time the clocks skip)."""
    first = bookings[0]
    if not first.patient_email:
        return
    created = first.events.filter(kind=Change.CREATED).latest("pk")
    confirmation = Message.objects.create(
        booking=first,
        event=created,
        kind=Message.Kind.COURSE,
        recipient=first.patient_email,
        booking_snapshot={**booking_snapshot(first), "course": course_snapshot(series, bookings)},
        next_attempt_at=created.occurred_at,
    )
    delivery.queue(confirmation)


def course_snapshot(series: BookingSeries, bookings: list[Booking]) -> dict:
    """What the course's confirmation says: its reference, each visit as booked, and the dates asked for
    that were not booked (by number, local date and time)."""
    booked = {booking.series_index for booking in bookings}
    return {
        "reference": series.reference,
        "visits": [
            {
                "index": booking.series_index,
                "reference": booking.reference,
                "revision": booking.revision,
                "practitioner": booking.practitioner.name,
                "starts_at": booking.starts_at.isoformat(),
                "ends_at": booking.ends_at.isoformat(),
            }
            for booking in bookings
        ],
        "skipped": [
            {"index": index, "date": day.isoformat(), "start_time": f"{series.start_time:%H:%M}"}
            for index, day in enumerate(CoursePlan.of(series).recurrence.dates(), start=1)
            if index not in booked
        ],
    }


def _reminders(booking: Booking, event: BookingEvent, snapshot: dict) -> list[Message]:
    """One reminder per offset of the type, falling due that much elapsed time before the start (so a
    clock change in between moves its wall-clock time, not its distance). None for a window already
    entered when the booking was made."""
    reminders = []
    for minutes in sorted(set(booking.appointment_type.reminder_minutes), reverse=True):
        # In UTC: subtracting from a datetime in the clinic's zone would move its wall clock instead.
        due = booking.starts_at.astimezone(UTC) - timedelta(minutes=minutes)
        if due <= event.occurred_at:
            continue
        reminders.append(
            Message(
                booking=booking,
                event=event,
                kind=Message.Kind.REMINDER,
                remind_minutes_before=minutes,
                recipient=booking.patient_email,
                booking_snapshot=snapshot,
                next_attempt_at=due,
            )
        )
    return reminders


def _readdress(booking: Booking) -> None:
    """Staff corrected the patient's address: what has not gone out yet goes to the new one, or nowhere."""
    unsent = booking.messages.filter(status=Message.Status.PENDING)
    if booking.patient_email:
        unsent.update(recipient=booking.patient_email)
    else:
        cancel_unsent(unsent, "The patient's e-mail address was removed.")


def cancel_unsent(messages, why: str) -> int:
    return messages.filter(status=Message.Status.PENDING).update(status=Message.Status.CANCELLED, last_error=why)


def booking_snapshot(booking: Booking) -> dict:
    """What a message says about the booking: never the reason for visit, the phone or the history."""
    snapshot = {
        "reference": booking.reference,
        "revision": booking.revision,
        "status": booking.status,
        "appointment_type": booking.appointment_type.name,
        "practitioner": booking.practitioner.name,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "patient_name": booking.patient_name,
    }
    if booking.series_id:  # a course's visit: its calendar event is RELATED-TO the course
        snapshot["series"] = booking.series.reference
    if booking.hold_expires_at:  # an offer says until when the time is kept
        snapshot["hold_expires_at"] = booking.hold_expires_at.isoformat()
    return snapshot
