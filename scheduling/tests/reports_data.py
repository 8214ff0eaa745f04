"""Random booking history for the reports' tests: practitioners with hours, breaks, closures and time off,
and bookings of every status, cancellations with reasons at every moment around the start."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from scheduling import bookings, clinic_time
from scheduling.models import Booking, ClinicClosure, TimeOff

REASONS = ["", "  ", "Feeling better", " feeling  better. ", "FEELING BETTER!", "Work", "work", "=HYPERLINK(1)"]
STATUSES = [
    *["confirmed"] * 4,
    "checked_in",
    *["completed"] * 3,
    *["no_show"] * 2,
    *["cancelled"] * 4,
    "held",
    "released",
    "expired",
]


def random_clinic(make_practitioner, types, seed: int, first_day: date, last_day: date, per_day: int = 6):
    """Three practitioners named `p<seed>-a`.. with their hours and time away, and random bookings from the
    day before `first_day` to the day after `last_day`; returns the seeded generator."""
    rng = random.Random(seed)
    for kind in types:
        kind.patient_change_cutoff_minutes = rng.choice([0, 120, 24 * 60, 3 * 24 * 60])
        kind.save(update_fields=["patient_change_cutoff_minutes"])
    practitioners = [
        make_practitioner(f"p{seed}-a", types=types),
        make_practitioner(f"p{seed}-b", types=types[:2], hours=((time(8), time(12)), (time(13), time(18)))),
        make_practitioner(f"p{seed}-c", types=types[1:], hours=((time(10), time(14)),), weekdays=(0, 2, 4)),
    ]
    for _ in range(rng.randint(0, 2)):
        day = first_day + timedelta(days=rng.randint(-2, (last_day - first_day).days + 2))
        ClinicClosure.objects.create(name="Holiday", first_day=day, last_day=day + timedelta(days=rng.randint(0, 1)))
    for practitioner in practitioners:
        for _ in range(rng.randint(0, 3)):
            start = clinic_time.at(first_day, time(6)) + timedelta(minutes=15 * rng.randint(0, 4 * 24 * 30))
            TimeOff.objects.create(
                practitioner=practitioner, starts_at=start, ends_at=start + timedelta(minutes=15 * rng.randint(1, 60))
            )
    made = []
    for practitioner in practitioners:
        for day in clinic_time.days_between(first_day - timedelta(days=1), last_day + timedelta(days=1)):
            # Visits from 07:00 to 19:00, some outside the practitioner's hours; never overlapping.
            start = clinic_time.at(day, time(7)) + timedelta(minutes=15 * rng.randint(0, 8))
            for _ in range(rng.randint(0, per_day)):
                kind = rng.choice(types)
                end = start + timedelta(minutes=kind.duration_minutes)
                if end > clinic_time.at(day, time(19)):
                    break
                made.append(a_booking(rng, practitioner, kind, start, end))
                start = end + timedelta(minutes=15 * rng.randint(0, 3))
    bookings.import_history(made)
    # When each was booked: auto_now_add stamped them all now; bulk_update sets it (no pre_save there).
    for booking in made:
        booking.created_at = booking.starts_at - timedelta(minutes=rng.randint(-120, 60 * 24 * 40))
    Booking.objects.bulk_update(made, ["created_at"])
    return rng


def a_booking(rng, practitioner, kind, start, end) -> Booking:
    status = rng.choice(STATUSES)
    booking = Booking(
        practitioner=practitioner,
        appointment_type=kind,
        patient_name="Random Patient",
        starts_at=start,
        ends_at=end,
        blocked_from=start,
        blocked_until=end,
        status=status,
    )
    if status in Booking.HOLD_STATUSES:
        booking.hold_expires_at = start - timedelta(minutes=rng.randint(-60, 60))
    if status == "cancelled":
        booking.cancelled_by = rng.choice(["patient", "patient", "staff", ""])
        booking.cancelled_at = None if rng.random() < 0.05 else start - timedelta(minutes=rng.randint(-90, 5 * 24 * 60))
        booking.cancellation_reason = rng.choice(REASONS)
    return booking
