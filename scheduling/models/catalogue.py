"""What staff configure: appointment types, practitioners, their weekly hours, time off and closures."""

from datetime import timedelta
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from scheduling import clinic_time, tokens
from scheduling.slots import Span

MINUTES_IN_A_DAY = 24 * 60
DASH = "\N{EN DASH}"  # between the two times of an interval, as staff read it

MAX_REMINDERS = 5
MAX_CAPACITY = 200
REMINDER_MINUTES_LIMIT = 30 * MINUTES_IN_A_DAY


def default_reminders() -> list[int]:
    return [MINUTES_IN_A_DAY]


def validate_reminders(value) -> None:
    if not isinstance(value, list) or not all(isinstance(m, int) and not isinstance(m, bool) for m in value):
        raise ValidationError("Reminders are a list of whole minutes before the start.")
    if len(value) > MAX_REMINDERS:
        raise ValidationError(f"At most {MAX_REMINDERS} reminders per appointment type.")
    if len(set(value)) != len(value):
        raise ValidationError("Each reminder time may appear once.")
    if any(not 1 <= minutes <= REMINDER_MINUTES_LIMIT for minutes in value):
        raise ValidationError("A reminder is sent from 1 minute to 30 days before the start.")


class AppointmentType(models.Model):
    """A kind of visit patients can book, with the rules that cut the calendar for it."""

    slug = models.SlugField(unique=True, help_text="Used by the API, for example 'consultation'.")
    name = models.CharField(max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(MINUTES_IN_A_DAY)]
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(MINUTES_IN_A_DAY)],
        help_text="Minutes between offered start times. Empty means the duration.",
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(240)],
        help_text="Time kept free before each booking; never offered to patients.",
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(240)],
        help_text="Time kept free after each booking; never offered to patients.",
    )
    min_notice_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(60 * MINUTES_IN_A_DAY)],
        help_text="How long before its start a slot can still be booked.",
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="How many days ahead patients may book.",
    )
    patient_change_cutoff_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(30 * MINUTES_IN_A_DAY)],
        help_text="How long before its start patients can still cancel or move a booking themselves; after "
        "that they call the clinic. Staff can always change it.",
    )
    capacity = models.PositiveSmallIntegerField(
        "patients per session",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text="Patients per session: above one, each booking is a seat of a group session (a class, a "
        "vaccination slot) and the practitioner and rooms are taken once per session.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive types are not offered.")
    allow_series = models.BooleanField(
        "patients may book a course",
        default=False,
        help_text="Patients may book a course of weekly visits of this type themselves (staff always may).",
    )
    requires_birth_date = models.BooleanField(
        default=False, help_text="Patients must give their date of birth to book it (optional otherwise)."
    )
    # A standard intake question (scheduling.models.intake): a yes/no with a fixed slug, `new-patient`.
    asks_new_patient = models.BooleanField(
        "asks whether new or returning",
        default=False,
        help_text="Patients booking it answer whether this is their first visit to the clinic.",
    )
    reminder_minutes = models.JSONField(
        default=default_reminders,
        blank=True,
        validators=[validate_reminders],
        help_text="When patients are reminded, in minutes before the start; empty for no reminders.",
    )

    # How this type cuts the calendar and when patients may change a booking; the admin list and the API
    # show them together.
    RULE_FIELDS = (
        "slot_interval_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_minutes",
        "horizon_days",
        "patient_change_cutoff_minutes",
    )

    class Meta:
        ordering = ["duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=5), name="type_duration_positive"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="type_capacity_positive"),
            models.CheckConstraint(
                condition=Q(slot_interval_minutes__isnull=True) | Q(slot_interval_minutes__gte=5),
                name="type_slot_interval_positive",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_group(self) -> bool:
        return self.capacity > 1


class HasFeed(models.Model):
    """Something with a private calendar feed (a practitioner, a room), opened by a token."""

    # The private calendar feed's token, stored as a digest: staff see the link once, when they issue it.
    feed_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    feed_token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def issue_feed_token(self) -> str:
        """A new feed token; the one before stops working at once. Returned once, stored as a digest."""
        token, self.feed_token_digest = tokens.new_secret(nbytes=32)
        self.feed_token_issued_at = clinic_time.now()
        self.save(update_fields=["feed_token_digest", "feed_token_issued_at"])
        return token

    def accepts_feed_token(self, token: str) -> bool:
        return tokens.matches_digest(self.feed_token_digest, token)


class Practitioner(HasFeed):
    """A person whose calendar patients book: each has their own hours, time off and bookings."""

    slug = models.SlugField(unique=True, help_text="Used by the API, for example 'dr-rao'.")
    name = models.CharField(max_length=100)
    appointment_types = models.ManyToManyField(AppointmentType, related_name="practitioners", blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive practitioners are not offered.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        help_text="The staff account of this practitioner: in the practitioner role it sees their own "
        "schedule, bookings and patients only.",
    )

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self):
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class WeeklyInterval(models.Model):
    """One interval of someone's or something's week, on the clinic's clock: [opens_at, closes_at)."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField(help_text="Clinic local time.")
    closes_at = models.TimeField(help_text="Clinic local time.")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class Away(models.Model):
    """A span when someone or something takes no bookings, and why."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Time off must end after it starts."})


class OpeningHours(WeeklyInterval):
    """One interval of a practitioner's weekly schedule; a lunch break is two intervals on one day."""

    practitioner = models.ForeignKey(Practitioner, models.CASCADE, related_name="opening_hours")

    class Meta:
        ordering = ["practitioner", "weekday", "opens_at"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_valid"),
        ]


def overlapping_hours(intervals) -> str | None:
    """What is wrong with a practitioner's weekly hours, `(weekday, opens_at, closes_at)` each, when two
    intervals of one weekday overlap ("Monday 09:00-12:30 overlaps Monday 12:00-17:00", with en dashes);
    None when none do.

    Touching intervals (a break of no length) are fine: hours are [opens, closes).
    """
    ordered = sorted(i for i in intervals if None not in i)
    for (day, opens, closes), (next_day, next_opens, next_closes) in pairwise(ordered):
        if day == next_day and next_opens < closes:
            name = Weekday(day).label
            return (
                f"{name} {opens:%H:%M}{DASH}{closes:%H:%M} overlaps {name} {next_opens:%H:%M}{DASH}{next_closes:%H:%M}."
            )
    return None


class TimeOff(Away):
    """A span when one practitioner takes no bookings: leave, training, a half day."""

    practitioner = models.ForeignKey(Practitioner, models.CASCADE, related_name="time_off")

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.practitioner}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class ClinicClosure(models.Model):
    """Days, or part of them, the clinic is shut for everyone: a public holiday, an afternoon's training."""

    name = models.CharField(max_length=100)
    first_day = models.DateField()
    last_day = models.DateField(help_text="Inclusive; the same as the first day for a one-day closure.")
    closed_from = models.TimeField(
        null=True, blank=True, help_text="Clinic local time on the first day; empty closes it from midnight."
    )
    closed_until = models.TimeField(
        null=True, blank=True, help_text="Clinic local time on the last day; empty closes it until midnight."
    )

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="closure_last_after_first"),
            models.CheckConstraint(
                condition=Q(last_day__gt=F("first_day"))
                | Q(closed_from__isnull=True)
                | Q(closed_until__isnull=True)
                | Q(closed_until__gt=F("closed_from")),
                name="closure_reopens_after_closing",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.first_day} to {self.last_day})"

    def span(self) -> Span:
        """The instants it closes: from `closed_from` on the first day (its midnight if empty) until
        `closed_until` on the last (the midnight ending it if empty). The one reading of a closure's times."""
        whole = clinic_time.days(self.first_day, self.last_day)
        start = clinic_time.at(self.first_day, self.closed_from) if self.closed_from else whole.start
        end = clinic_time.at(self.last_day, self.closed_until) if self.closed_until else whole.end
        return Span(start, end)

    def hours_on(self, day) -> str:
        """What of `day` it closes, on the clinic's clock: 'all day', or '13:00-17:00' (an en dash)."""
        whole, closed = clinic_time.days(day, day), self.span()
        start, end = max(whole.start, closed.start), min(whole.end, closed.end)
        if (start, end) == (whole.start, whole.end):
            return "all day"
        return f"{clinic_time.wall_clock(start)}{DASH}{'24:00' if end == whole.end else clinic_time.wall_clock(end)}"

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day cannot be before the first day."})
        if (
            self.first_day
            and self.first_day == self.last_day
            and self.closed_from
            and self.closed_until
            and self.closed_until <= self.closed_from
        ):
            raise ValidationError({"closed_until": "On a one-day closure, it must reopen after it closes."})
