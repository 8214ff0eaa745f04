"""A course of treatment: one patient's weekly appointments booked together, each an ordinary booking."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from scheduling.models.catalogue import AppointmentType, Practitioner, Weekday
from scheduling.models.patients import Patient

MIN_COUNT, MAX_COUNT = 2, 52
MAX_INTERVAL = 4
MAX_WEEKDAYS = 3
# A course's weekdays as it stores them: ISO numbers (Monday 1), which opening hours number from 0.
ISO_WEEKDAYS = [(day.value + 1, day.label) for day in Weekday]


def new_series_reference() -> str:
    # As unguessable as a booking's: the reference and its manage token open the course for the patient.
    return f"sr_{secrets.token_hex(10)}"


class OnConflict(models.TextChoices):
    FAIL = "fail", "Book all or nothing"
    SKIP = "skip", "Book the free dates, skip the others"
    EXTEND = "extend", "Skip taken dates and add dates at the end"


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class BookingSeries(models.Model):
    """What was asked for: a type on some weekdays at one local time, every `interval` weeks from
    `start_date`, `count` times or until `until`. Its bookings (`Booking.series`, numbered by
    `series_index`) are what was booked; each can be moved or cancelled on its own."""

    OnConflict = OnConflict
    Status = SeriesStatus

    reference = models.CharField(max_length=32, unique=True, default=new_series_reference, editable=False)
    patient = models.ForeignKey(Patient, models.PROTECT, related_name="series")
    appointment_type = models.ForeignKey(AppointmentType, models.PROTECT, related_name="series")
    # Empty: whoever is free, the one who took the first visit preferred for the others.
    practitioner = models.ForeignKey(Practitioner, models.PROTECT, null=True, blank=True, related_name="series")
    interval = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_INTERVAL)],
        help_text="Every how many weeks (1 is weekly).",
    )
    # ISO weekday numbers, Monday 1 to Sunday 7, ascending.
    weekdays = models.JSONField(help_text="ISO weekday numbers: Monday is 1, Sunday 7.")
    start_date = models.DateField(help_text="The first day a visit may fall on.")
    start_time = models.TimeField(help_text="The clinic's local time of every visit.")
    count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_COUNT), MaxValueValidator(MAX_COUNT)],
        help_text="How many visits (or give an end date instead).",
    )
    until = models.DateField(null=True, blank=True, help_text="The last day a visit may fall on.")
    on_conflict = models.CharField(max_length=6, choices=OnConflict.choices, default=OnConflict.FAIL)
    status = models.CharField(max_length=9, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "course of treatment"
        verbose_name_plural = "courses of treatment"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__isnull=False, until__isnull=True) | Q(count__isnull=True, until__isnull=False),
                name="series_count_or_until",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=MIN_COUNT, count__lte=MAX_COUNT),
                name="series_count_in_range",
            ),
            models.CheckConstraint(condition=Q(interval__gte=1, interval__lte=MAX_INTERVAL), name="series_interval"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("start_date")), name="series_until_after_start"
            ),
            models.CheckConstraint(condition=Q(status__in=SeriesStatus.values), name="series_status_valid"),
            models.CheckConstraint(condition=Q(on_conflict__in=OnConflict.values), name="series_on_conflict_valid"),
        ]

    def __str__(self):
        visits = f"{self.count} visits" if self.count else f"until {self.until:%d %b %Y}"
        return f"{self.appointment_type.name}, {visits} ({self.reference})"
