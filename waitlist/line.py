"""The line itself: joining it (with the same rules as booking), each entry's place in it, and leaving it.

The API, the booking page and the admin call these; offers are in waitlist/offers.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q

from scheduling import bookings, clinic_time, patients
from scheduling.models import AppointmentType, Booking, BookingEvent, Practitioner
from scheduling.reference import require_offer
from scheduling.rules import BookingRuleBroken
from waitlist import notices
from waitlist.models import Entry, Offer


@dataclass(frozen=True)
class Wish:
    """What a patient waits for: a type (and perhaps a practitioner), days, and perhaps times of day."""

    appointment_type: AppointmentType
    earliest_date: date
    latest_date: date
    practitioner: Practitioner | None = None
    earliest_time: time | None = None
    latest_time: time | None = None

    def check(self, today: date) -> None:
        """BookingRuleBroken naming the field at fault, when the clinic could never offer this."""
        kind = self.appointment_type
        require_offer(self.practitioner, kind)
        if self.earliest_date < today:
            raise BookingRuleBroken(
                f"{self.earliest_date} is in the past; the earliest date is today, {today}.", field="earliest_date"
            )
        if self.latest_date < self.earliest_date:
            raise BookingRuleBroken("latest_date cannot be before earliest_date.", field="latest_date")
        last_bookable = today + timedelta(days=kind.horizon_days)
        if self.latest_date > last_bookable:
            raise BookingRuleBroken(
                f"{kind.name} can be booked up to {kind.horizon_days} days ahead: the latest date is {last_bookable}.",
                field="latest_date",
                code="beyond_horizon",
            )
        if self.earliest_time and self.latest_time:
            if self.latest_time <= self.earliest_time:
                raise BookingRuleBroken("latest_time must be after earliest_time.", field="latest_time")
            minutes = (datetime.combine(today, self.latest_time) - datetime.combine(today, self.earliest_time)).seconds
            if minutes < kind.duration_minutes * 60:
                raise BookingRuleBroken(
                    f"From {self.earliest_time:%H:%M} to {self.latest_time:%H:%M} is too short for a "
                    f"{kind.duration_minutes}-minute {kind.name}.",
                    field="latest_time",
                )


def join(wish: Wish, patient: bookings.PatientDetails, *, now: datetime | None = None) -> Entry:
    """Put a patient in line; they are offered freed time that fits, in order of joining."""
    now = now or clinic_time.now()
    wish.check(clinic_time.local_date(now))
    if not patient.email:
        raise BookingRuleBroken("Offers are sent by e-mail: an address is required.", field="patient_email")
    patient.check_asked_by(wish.appointment_type)
    with transaction.atomic():
        entry = Entry.objects.create(
            appointment_type=wish.appointment_type,
            practitioner=wish.practitioner,
            earliest_date=wish.earliest_date,
            latest_date=wish.latest_date,
            earliest_time=wish.earliest_time,
            latest_time=wish.latest_time,
            patient_name=patient.name,
            patient_email=patient.email,
            patient_phone=patient.phone,
            patient=patients.patient_for(patient),
            joined_at=now,
        )
        notices.joined(entry)
    return entry


def position(entry: Entry, today: date) -> int | None:
    """1 for the next in line for this appointment type; None once the entry is no longer waiting."""
    if entry.state(today) != Entry.Status.WAITING:
        return None
    ahead = (
        Entry.objects.waiting(today)
        .filter(appointment_type_id=entry.appointment_type_id)
        .filter(Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lt=entry.pk))
        .count()
    )
    return ahead + 1


def open_offer(entry: Entry) -> Offer | None:
    return (
        entry.offers.select_related("hold__appointment_type", "hold__practitioner")
        .filter(status=Offer.Status.OPEN)
        .first()
    )


def already_booked(entry: Entry) -> bool:
    """Whether the patient already has this kind of appointment within the entry's days (booked some other
    way): they are skipped, as the time is better offered to someone still waiting."""
    return (
        Booking.objects.filter(
            appointment_type_id=entry.appointment_type_id,
            patient_email__iexact=entry.patient_email,
            status__in=[Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN],
        )
        .starting_on(entry.earliest_date, entry.latest_date)
        .exists()
    )


def leave(
    entry: Entry,
    *,
    by: bookings.Actor = bookings.PATIENT,
    via: str = BookingEvent.Channel.API,
    now: datetime | None = None,
) -> Entry:
    """Take the entry out of line; an offer it holds is withdrawn and its time freed. Leaving twice is
    the same as leaving once."""
    now = now or clinic_time.now()
    ended = Entry.Status.REMOVED if by.kind == BookingEvent.Actor.STAFF else Entry.Status.LEFT
    with transaction.atomic():
        # Locks in the order every waitlist change takes them (entry, hold, offer), so none deadlock.
        locked = Entry.objects.select_for_update().filter(pk=entry.pk, status=Entry.Status.WAITING).first()
        if locked is None:
            entry.refresh_from_db()
            return entry
        offered = open_offer(locked)
        if offered is not None:
            held = Booking.objects.select_for_update().get(pk=offered.hold_id)
            Offer.objects.filter(pk=offered.pk, status=Offer.Status.OPEN).update(
                status=Offer.Status.WITHDRAWN, answered_at=now
            )
            bookings.release_hold(held, by=by, via=via, now=now)
        Entry.objects.filter(pk=entry.pk).update(status=ended, ended_at=now)
    entry.refresh_from_db()
    return entry
