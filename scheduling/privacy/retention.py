"""The retention period: a patient whose last visit ended more than PATIENT_RETENTION_YEARS ago (and who has
nothing booked or waiting since) is erased, as the law lets a clinic keep records that long and no longer."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet

from scheduling.bookings import Actor
from scheduling.models import Booking, BookingEvent, Patient
from scheduling.privacy import erasure

PURGE = Actor(BookingEvent.Actor.SYSTEM, "purge_expired_patients")


def retention_cutoff(now: datetime) -> datetime:
    years = settings.PATIENT_RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February, in a year that has none
        return now.replace(year=now.year - years, day=28)


def expired_patients(now: datetime) -> QuerySet[Patient]:
    """Records (not merged away, not erased) older than the cutoff, with no booking of theirs or of the
    records merged into them ending since, and no waitlist entry joined since."""
    cutoff = retention_cutoff(now)
    recent = Booking.objects.filter(ends_at__gte=cutoff).exclude(status__in=Booking.HOLD_STATUSES)
    recent_records = Patient.objects.filter(pk__in=recent.values("patient_id"))
    return (
        Patient.objects.current()
        .filter(erased_at__isnull=True, created_at__lt=cutoff)
        .exclude(pk__in=recent_records.values("pk"))
        .exclude(pk__in=recent_records.filter(merged_into__isnull=False).values("merged_into_id"))
        .exclude(waitlist_entries__joined_at__gte=cutoff)
        .exclude(merged_patients__waitlist_entries__joined_at__gte=cutoff)
    )


def purge(now: datetime, *, dry_run: bool = False) -> dict[str, int]:
    """Erase every expired patient (or, for a dry run, count them); returns how many, and rows per table."""
    reason = f"Retention: last visit more than {settings.PATIENT_RETENTION_YEARS} years ago."
    erased, blanked = 0, {}
    for patient in expired_patients(now).order_by("pk").iterator():
        try:
            if dry_run:
                counts = erasure.would_erase(patient, now)
            else:
                counts = erasure.erase(patient, by=erasure.Eraser(PURGE), reason=reason, now=now, rehearsed=False)
        except erasure.ErasureRefused:  # another host erased them meanwhile, or they are here today
            continue
        erased += 1
        for table, count in counts["blanked"].items():
            blanked[table] = blanked.get(table, 0) + count
    return {"patients": erased, **blanked}
