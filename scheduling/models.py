"""Appointment types, practitioners and their time, bookings and their history, with the invariants the
database keeps."""

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connections, models
from django.db.models import F, Q
from django.utils.crypto import salted_hmac

from scheduling import clinic_time

MINUTES_IN_A_DAY = 24 * 60

phone_number = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{4,23}[0-9]$",
    "Enter a phone number of 6 to 25 digits, spaces, dashes or brackets, optionally starting with +.",
)


MAX_REMINDERS = 5
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


def contrast_with_white(colour: str) -> float:
    """WCAG's contrast ratio of white text on `colour` ('#rrggbb')."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


AA_CONTRAST = 4.5


def validate_accent_colour(colour: str) -> None:
    """Buttons show white text on the accent colour: it must be dark enough to read (WCAG AA)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        raise ValidationError("Enter a colour as # and six hexadecimal digits, for example #0b5cad.")
    ratio = contrast_with_white(colour)
    if ratio < AA_CONTRAST:
        raise ValidationError(
            f"White text on {colour} has a contrast of {ratio:.1f}:1; buttons need at least {AA_CONTRAST}:1. "
            "Choose a darker colour."
        )


def web_origins(text: str) -> list[str]:
    """The origins listed one per line (blank lines ignored), as browsers spell them: scheme://host[:port]."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


ORIGIN = re.compile(
    r"https?://(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?"
)


def validate_embed_origins(text: str) -> None:
    wrong = [origin for origin in web_origins(text) if not ORIGIN.fullmatch(origin)]
    if wrong:
        raise ValidationError(
            f"Not a web origin: {', '.join(wrong)}. Write one per line as scheme://host or scheme://host:port, "
            "for example https://www.example-clinic.com, with no path."
        )


LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}
LOGO_MAX_BYTES = 256 * 1024


def logo_content_type(data: bytes) -> str | None:
    """PNG, JPEG or WebP told by their first bytes; None for anything else (SVG can carry scripts)."""
    for magic, content_type in LOGO_TYPES.items():
        if data.startswith(magic) and (content_type != "image/webp" or data[8:12] == b"WEBP"):
            return content_type
    return None


class Clinic(models.Model):
    """The clinic's details as patients see them in e-mails, invites and pages. One row, edited by staff."""

    name = models.CharField(max_length=120, default="Demo Clinic")
    address = models.TextField(blank=True, help_text="Shown as the place of every appointment.")
    phone = models.CharField(max_length=32, blank=True, validators=[phone_number])
    website = models.URLField(blank=True)
    sender_email = models.EmailField(
        default="bookings@clinic.example", help_text="E-mails to patients come from, and are answered to, this."
    )
    time_zone_label = models.CharField(
        max_length=60,
        blank=True,
        help_text="How patients see the clinic's time zone named, for example 'London time'. Empty shows the "
        "zone's own name. The zone itself is the server's CLINIC_TIME_ZONE.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default="#0b5cad",
        validators=[validate_accent_colour],
        help_text="The booking page's buttons and links, for example #0b5cad. White text must be readable on it.",
    )
    # Kept in the database rather than on one host's disk, so every app host serves the same logo.
    logo = models.BinaryField(blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, editable=False)
    embed_origins = models.TextField(
        blank=True,
        validators=[validate_embed_origins],
        help_text="Websites allowed to show the booking page inside their own pages (embed.js), one origin per "
        "line, for example https://www.example-clinic.com. Only these receive the page's messages.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_is_one_row")]

    def __str__(self):
        return self.name

    @classmethod
    def load(cls) -> "Clinic":
        clinic, _ = cls.objects.get_or_create(pk=1)
        return clinic

    @property
    def location(self) -> str:
        """Name and address on one line, as an invite's LOCATION and an e-mail's "Where"."""
        return ", ".join(part for part in [self.name, " ".join(self.address.split())] if part)

    @property
    def zone_name(self) -> str:
        return self.time_zone_label or clinic_time.zone().key

    @property
    def allowed_embed_origins(self) -> list[str]:
        return web_origins(self.embed_origins)


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
    is_active = models.BooleanField(default=True, help_text="Inactive types are not offered.")
    reminder_minutes = models.JSONField(
        default=default_reminders,
        blank=True,
        validators=[validate_reminders],
        help_text="When patients are reminded, in minutes before the start; empty for no reminders.",
    )

    # How this type cuts the calendar; the admin list and the API show them together.
    RULE_FIELDS = (
        "slot_interval_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_minutes",
        "horizon_days",
    )

    class Meta:
        ordering = ["duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=5), name="type_duration_positive"),
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


class Practitioner(models.Model):
    """A person whose calendar patients book: each has their own hours, time off and bookings."""

    slug = models.SlugField(unique=True, help_text="Used by the API, for example 'dr-rao'.")
    name = models.CharField(max_length=100)
    appointment_types = models.ManyToManyField(AppointmentType, related_name="practitioners", blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive practitioners are not offered.")
    # The private calendar feed's token, stored as a digest: staff see the link once, when they issue it.
    feed_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    feed_token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self):
        return self.name

    def issue_feed_token(self) -> str:
        """A new feed token; the one before stops working at once. Returned once, stored as a digest."""
        token = secrets.token_urlsafe(32)
        self.feed_token_digest = token_digest(token)
        self.feed_token_issued_at = clinic_time.now()
        self.save(update_fields=["feed_token_digest", "feed_token_issued_at"])
        return token

    def accepts_feed_token(self, token: str) -> bool:
        return bool(self.feed_token_digest) and secrets.compare_digest(self.feed_token_digest, token_digest(token))


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class OpeningHours(models.Model):
    """One interval of a practitioner's weekly schedule; a lunch break is two intervals on one day."""

    practitioner = models.ForeignKey(Practitioner, models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField(help_text="Clinic local time.")
    closes_at = models.TimeField(help_text="Clinic local time.")

    class Meta:
        ordering = ["practitioner", "weekday", "opens_at"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "Closing time must be after opening time."})


class TimeOff(models.Model):
    """A span when one practitioner takes no bookings: leave, training, a half day."""

    practitioner = models.ForeignKey(Practitioner, models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.practitioner}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Time off must end after it starts."})


class ClinicClosure(models.Model):
    """Whole days the clinic is shut for everyone, such as public holidays."""

    name = models.CharField(max_length=100)
    first_day = models.DateField()
    last_day = models.DateField(help_text="Inclusive; the same as the first day for a one-day closure.")

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="closure_last_after_first"),
        ]

    def __str__(self):
        return f"{self.name} ({self.first_day} to {self.last_day})"

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day cannot be before the first day."})


def new_reference() -> str:
    # 80 random bits: references are shared with patients, so they must not be guessable or sequential.
    return f"bk_{secrets.token_hex(10)}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    """An instant as SQLite returns it (naive, in UTC) or PostgreSQL does (aware), as an aware one."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class BookingQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Booking.Status.CONFIRMED)

    def blocking_at(self, now):
        """Bookings that keep their time from others at `now`: a hold stops blocking the instant it lapses."""
        return self.filter(status__in=Booking.BLOCKING).exclude(status=Booking.Status.HELD, hold_expires_at__lte=now)

    def blocked_times(self, practitioner_ids, start, end, now, excluding=None) -> list[tuple]:
        """`(practitioner_id, starts_at, blocked_from, blocked_until, hold_expires_at)` of the bookings
        `blocking_at(now)` and `overlapping(start, end)` of these practitioners, leaving out the one with
        pk `excluding`: what every availability answer and every booking reads.

        The same rows as the ORM query (tests compare them on both engines), as plain SQL: building that
        query costs more than running it, and Django's per-value conversion of the instants more still.
        """
        if not practitioner_ids:
            return []
        connection = connections[self.db]
        column = {f.name: connection.ops.quote_name(f.column) for f in Booking._meta.concrete_fields}
        instant = connection.ops.adapt_datetimefield_value
        sql = (
            f"SELECT {column['practitioner']}, {column['starts_at']}, {column['blocked_from']}, "
            f"{column['blocked_until']}, {column['hold_expires_at']} "
            f"FROM {connection.ops.quote_name(Booking._meta.db_table)} "
            f"WHERE {column['practitioner']} IN ({', '.join(['%s'] * len(practitioner_ids))}) "
            f"AND {column['status']} IN ({', '.join(['%s'] * len(Booking.BLOCKING))}) "
            f"AND NOT ({column['status']} = %s AND {column['hold_expires_at']} IS NOT NULL "
            f"AND {column['hold_expires_at']} <= %s) "
            f"AND {column['blocked_from']} < %s AND {column['blocked_until']} > %s"
        )
        params = [*practitioner_ids, *Booking.BLOCKING, Booking.Status.HELD, instant(now), instant(end), instant(start)]
        if excluding is not None:
            sql += f" AND {column['id']} <> %s"
            params.append(excluding)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(pk, *map(_aware, instants)) for pk, *instants in cursor.fetchall()]

    def stale_holds(self, now):
        return self.filter(status=Booking.Status.HELD, hold_expires_at__lte=now)

    def overlapping(self, start, end):
        """Bookings whose blocked time (the appointment and its buffers) overlaps [start, end)."""
        return self.filter(blocked_from__lt=end, blocked_until__gt=start)

    def starting_on(self, first_day=None, last_day=None):
        """Bookings that start on the clinic-local days from `first_day` to `last_day` (either may be open)."""
        bookings = self
        if first_day:
            bookings = bookings.filter(starts_at__gte=clinic_time.days(first_day, first_day).start)
        if last_day:
            bookings = bookings.filter(starts_at__lt=clinic_time.days(last_day, last_day).end)
        return bookings

    def matching(self, *, start_date=None, end_date=None, practitioner=None, appointment_type=None, status=None):
        """Staff's filters: local days the booking starts on, practitioner and type slugs, status.

        Without a status, holds that lapsed or were let go are left out: they never became appointments.
        """
        bookings = self.starting_on(start_date, end_date)
        if practitioner:
            bookings = bookings.filter(practitioner__slug=practitioner)
        if appointment_type:
            bookings = bookings.filter(appointment_type__slug=appointment_type)
        if status:
            return bookings.filter(status=status)
        return bookings.exclude(status__in=[Booking.Status.RELEASED, Booking.Status.EXPIRED])


class BookingStatus(models.TextChoices):
    HELD = "held"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in", "checked in"
    COMPLETED = "completed"
    NO_SHOW = "no_show", "no-show"
    CANCELLED = "cancelled"
    RELEASED = "released", "hold released"
    EXPIRED = "expired", "hold expired"


class Booking(models.Model):
    """One patient's appointment with one practitioner, or a slot held while a patient decides.

    While it blocks (see BLOCKING), its blocked time [blocked_from, blocked_until) overlaps no other blocking
    booking of the same practitioner; the database enforces that (see scheduling/guards.py). Only
    scheduling/bookings.py writes it, and each change there adds one BookingEvent.
    """

    Status = BookingStatus
    # The statuses whose time nobody else may book. The overlap guard's SQL lists the same values.
    BLOCKING = (Status.HELD, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)

    class CancelledBy(models.TextChoices):
        PATIENT = "patient"
        STAFF = "staff"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    practitioner = models.ForeignKey(Practitioner, models.PROTECT, related_name="bookings")
    appointment_type = models.ForeignKey(AppointmentType, models.PROTECT, related_name="bookings")
    patient_name = models.CharField(max_length=200)
    patient_email = models.EmailField(blank=True)
    patient_phone = models.CharField(max_length=32, blank=True, validators=[phone_number])
    reason_for_visit = models.TextField(blank=True, max_length=1000)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The buffers in force when it was booked; kept so that staff editing a type's buffers later
    # neither frees nor double-books time around bookings already made.
    blocked_from = models.DateTimeField(editable=False)
    blocked_until = models.DateTimeField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    revision = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one on every change.")
    hold_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # NULL, not "", for bookings that never were holds: unique allows any number of NULLs.
    hold_digest = models.CharField(max_length=64, null=True, unique=True, editable=False)  # noqa: DJ001
    # Only bookings made before manage tokens were derived (see manage_token) have one stored, as a digest.
    manage_token_digest = models.CharField(max_length=64, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=500, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            # Overlap checks ask for bookings ending after a time; indexed by that end, the scan covers only
            # bookings still to come, however many years of history the practitioner has.
            models.Index(fields=["practitioner", "status", "blocked_until"], name="booking_practitioner_ends_idx"),
            models.Index(fields=["starts_at"], name="booking_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("starts_at"), blocked_until__gte=F("ends_at")),
                name="booking_blocks_its_own_time",
            ),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_valid"),
            models.CheckConstraint(
                condition=Q(status="held", hold_expires_at__isnull=False) | ~Q(status="held"),
                name="booking_hold_has_expiry",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_hold(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.RELEASED, self.Status.EXPIRED)

    def blocks_at(self, now) -> bool:
        """Whether its time is kept from everyone else at `now` (see BookingQuerySet.blocking_at)."""
        if self.status == self.Status.HELD:
            return self.hold_expires_at > now
        return self.status in self.BLOCKING

    def accepts_manage_token(self, token: str) -> bool:
        if accepts_derived_token(self.reference, token):
            return True
        # Bookings made before manage tokens were derived keep their random token.
        return bool(self.manage_token_digest) and secrets.compare_digest(self.manage_token_digest, token_digest(token))


def manage_token(reference: str, secret: str | None = None) -> str:
    """The patient's token for a booking, derived from its reference and the server's secret key.

    Derived rather than stored, so an e-mail sent days later (a reminder) can carry the patient's link
    while the database still holds no usable token. Rotating SECRET_KEY (with the old key in
    SECRET_KEY_FALLBACKS until the links it signed should stop working) changes every link.
    """
    mac = salted_hmac("scheduling.manage-token", reference, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def manage_tokens(reference: str) -> list[str]:
    return [manage_token(reference, key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)]


def accepts_derived_token(reference: str, token: str) -> bool:
    """Whether `token` is the one derived for `reference` (a booking's, or any other public reference a
    patient is given a link for) under the current secret key or a fallback."""
    return bool(token) and any(secrets.compare_digest(token, derived) for derived in manage_tokens(reference))


class BookingEvent(models.Model):
    """One change to a booking: what, when, who, through which channel and why. Append-only: the database
    refuses to update or delete these rows (see scheduling/guards.py)."""

    class Kind(models.TextChoices):
        CREATED = "created"
        HELD = "held"
        # Held for one patient it is offered to (the waitlist): their yes books it, their no frees it.
        OFFERED = "offered"
        HOLD_RELEASED = "hold_released", "hold released"
        HOLD_EXPIRED = "hold_expired", "hold expired"
        RESCHEDULED = "rescheduled"
        CANCELLED = "cancelled"
        CHECKED_IN = "checked_in", "checked in"
        COMPLETED = "completed"
        NO_SHOW = "no_show", "no-show"
        PATIENT_DETAILS_CHANGED = "patient_details_changed", "patient details changed"

    class Actor(models.TextChoices):
        PATIENT = "patient"
        STAFF = "staff"
        INTEGRATION = "integration"
        SYSTEM = "system"

    class Channel(models.TextChoices):
        API = "api"
        ADMIN = "admin"
        BOOKING_PAGE = "booking_page", "booking page"
        WAITLIST = "waitlist"
        SYSTEM = "system"

    booking = models.ForeignKey(Booking, models.PROTECT, related_name="events")
    revision = models.PositiveIntegerField(help_text="The booking's revision this change produced.")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=12, choices=Actor.choices)
    # The staff username or integration name as it was then: the history outlives accounts.
    actor_name = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    reason = models.CharField(max_length=500, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="Field: [before, after].")

    class Meta:
        ordering = ["booking", "revision"]
        indexes = [models.Index(fields=["occurred_at"], name="booking_event_occurred_idx")]
        constraints = [
            models.UniqueConstraint(fields=["booking", "revision"], name="booking_event_one_per_revision"),
        ]

    def __str__(self):
        return f"{self.booking_id} r{self.revision} {self.kind}"


class IdempotencyRecord(models.Model):
    """A client's Idempotency-Key and the response it got, so a retried request gets the same answer."""

    scope = models.CharField(max_length=100, help_text="The operation the key was used for.")
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_scope")]

    def __str__(self):
        return f"{self.scope} {self.key}"
