"""Bookings and their append-only history, with the invariants the database keeps."""

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, models
from django.db.models import F, Q

from scheduling import clinic_time, guards, tokens
from scheduling.models.catalogue import AppointmentType, Practitioner
from scheduling.models.clinic import phone_number
from scheduling.models.patients import Patient
from scheduling.models.resources import GroupSession
from scheduling.models.series import BookingSeries
from scheduling.patient_details import validate_email_address, validate_name


def new_reference() -> str:
    # 80 random bits: references are shared with patients, so they must not be guessable or sequential.
    return f"bk_{secrets.token_hex(10)}"


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
        """`(practitioner_id, starts_at, blocked_from, blocked_until, hold_expires_at, session_id)` of the bookings
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
            f"{column['blocked_until']}, {column['hold_expires_at']}, {column['session']} "
            f"FROM {connection.ops.quote_name(Booking._meta.db_table)} "
            f"WHERE {column['practitioner']} IN ({', '.join(['%s'] * len(practitioner_ids))}) "
            f"AND {column['status']} IN ({', '.join(['%s'] * len(Booking.BLOCKING))}) "
            f"AND NOT ({column['status']} = %s AND {column['hold_expires_at']} IS NOT NULL "
            f"AND {column['hold_expires_at']} <= %s) "
            f"AND {column['blocked_from']} < %s AND {column['blocked_from']} > %s AND {column['blocked_until']} > %s"
        )
        # Bounded on both sides (guards.MAX_BLOCKED_DAYS): nothing starting earlier can reach `start`.
        earliest = start - timedelta(days=guards.MAX_BLOCKED_DAYS)
        params = [
            *practitioner_ids,
            *Booking.BLOCKING,
            Booking.Status.HELD,
            instant(now),
            instant(end),
            instant(earliest),
            instant(start),
        ]
        if excluding is not None:
            sql += f" AND {column['id']} <> %s"
            params.append(excluding)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(pk, *map(_aware, instants), session) for pk, *instants, session in cursor.fetchall()]

    def not_holds(self):
        """Bookings proper: holds (live, let go or lapsed) are nobody's appointment yet."""
        return self.exclude(status__in=Booking.HOLD_STATUSES)

    def opened_by(self, reference: str, token: str, *, staff: bool = False, now=None) -> "Booking | None":
        """The booking `reference` names, if the caller is staff or `token` is its manage token and its link
        has not expired at `now` (tokens.LinkExpired: only the right token learns that).

        The one authorisation of a patient's own booking (API, booking page). A wrong token (a revoked one
        too) and an unknown reference answer the same None; references carry 80 random bits, so one cannot
        be guessed to learn the other.
        """
        found = self.select_related("appointment_type", "practitioner", "patient").not_holds()
        found = found.filter(reference=reference)
        booking = found.first()
        if booking is None or not (staff or booking.accepts_manage_token(token)):
            return None
        if not staff and booking.manage_link_expired(now or clinic_time.now()):
            raise tokens.LinkExpired
        return booking

    def opened_by_code(self, code: str, *, now=None) -> "Booking | None":
        """The booking whose manage code (tokens.manage_code) `code` is, as opened_by opens it with its
        token; None for a code that is no booking's (a revoked one too), or that two bookings share."""
        if tokens.normalised_code(code) is None:
            return None
        found = list(self.not_holds().filter(manage_code_digest__in=tokens.manage_code_digests(code))[:2])
        if len(found) != 1:
            return None
        return self.opened_by(found[0].reference, found[0].manage_token, now=now)

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
    # Labels in sentence case, as every list, page and e-mail shows them; inside a sentence, `.label.lower()`.
    HELD = "held", "Held"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    RELEASED = "released", "Hold released"
    EXPIRED = "expired", "Hold expired"


class Booking(models.Model):
    """One patient's appointment with one practitioner, or a slot held while a patient decides.

    While it blocks (see BLOCKING), its blocked time [blocked_from, blocked_until) overlaps no other blocking
    booking of the same practitioner; the database enforces that (see scheduling/guards.py). Only
    scheduling/bookings/ writes it, and each change there adds one BookingEvent.
    """

    Status = BookingStatus
    # The statuses whose time nobody else may book. The overlap guard's SQL lists the same values.
    BLOCKING = (Status.HELD, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)
    # A hold while it lives and after it was let go or lapsed: never a patient's appointment.
    HOLD_STATUSES = (Status.HELD, Status.RELEASED, Status.EXPIRED)

    class CancelledBy(models.TextChoices):
        PATIENT = "patient"
        STAFF = "staff"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    practitioner = models.ForeignKey(Practitioner, models.PROTECT, related_name="bookings")
    appointment_type = models.ForeignKey(AppointmentType, models.PROTECT, related_name="bookings")
    # The group session this booking is a seat of (types with a capacity above one); empty otherwise.
    session = models.ForeignKey(GroupSession, models.PROTECT, null=True, blank=True, related_name="seats")
    # The course of treatment this visit is one of, and its number there (from 1); empty otherwise. A visit
    # moved or cancelled keeps its number, so the course's other visits are untouched.
    series = models.ForeignKey(BookingSeries, models.PROTECT, null=True, blank=True, related_name="bookings")
    series_index = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Who the booking is for; empty while it is a patient's hold (nobody typed their details yet).
    patient = models.ForeignKey(Patient, models.PROTECT, null=True, blank=True, related_name="bookings")
    # The details as the patient typed them into this booking: a snapshot, whatever the record says later.
    patient_name = models.CharField(max_length=200, validators=[validate_name])
    patient_email = models.EmailField(blank=True, validators=[validate_email_address])
    patient_phone = models.CharField(max_length=32, blank=True, validators=[phone_number])
    patient_birth_date = models.DateField(null=True, blank=True)
    reason_for_visit = models.TextField(blank=True, max_length=1000)
    # The intake questions' answers as asked ([{slug, label, kind, clinical, answer}], see scheduling.intake):
    # the wording is kept, so editing a question later changes nothing the patient answered. NULL (nothing
    # asked) rather than a default, so that adding it to years of bookings rewrites no row.
    intake_answers = models.JSONField(null=True, blank=True, editable=False)
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
    # Who took a patient's hold (tokens.holder_key of the client address), so one client holds only a few
    # times at once; cleared when the hold becomes a booking.
    held_by = models.CharField(max_length=32, null=True, editable=False)  # noqa: DJ001
    # Only bookings made before manage tokens were derived (see scheduling.tokens) have one stored, as a digest.
    manage_token_digest = models.CharField(max_length=64, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    # Part of what the manage token signs (scheduling.tokens): one more revocation, one new link. Empty
    # (never revoked) signs the reference alone, as links did before; nullable so that adding it to a
    # table of years of bookings changes no row.
    manage_link_revocations = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="How often staff revoked the patient's manage link."
    )
    # The keyed digest of the code staff read out (tokens.manage_code): found by it, never stored in clear.
    # NULL for bookings made before codes existed (and for holds), which the partial index leaves out.
    manage_code_digest = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        permissions = [
            # Without it, a staff member linked to a practitioner sees that practitioner's bookings only.
            ("view_every_practitioner", "Can see every practitioner's bookings and patients"),
            # The desk's exception (a late patient, an extra slot): still refused where the time overlaps.
            ("book_off_grid", "Can book off the slot grid or outside hours"),
            # The reports (scheduling/reports/): aggregates of the bookings reached, no patient in them.
            ("view_reports", "Can see the clinic's reports"),
        ]
        indexes = [
            # Overlap checks ask for a practitioner's bookings that start within the longest a booking can
            # block (guards.MAX_BLOCKED) before a slot's end: a range bounded on both sides, so its cost does
            # not grow with the years of history behind it nor the bookings ahead of it.
            models.Index(fields=["practitioner", "status", "blocked_from"], name="booking_practitioner_from_idx"),
            models.Index(fields=["starts_at"], name="booking_starts_idx"),
            # The reports read some practitioners' bookings starting in a range of days: without it SQLite
            # reads every booking those practitioners ever had through the practitioner's own index.
            models.Index(fields=["practitioner", "starts_at"], name="booking_practitioner_start_idx"),
            models.Index(
                fields=["held_by", "created_at"], name="booking_held_by_idx", condition=Q(held_by__isnull=False)
            ),
            models.Index(
                fields=["manage_code_digest"],
                name="booking_manage_code_idx",
                condition=Q(manage_code_digest__isnull=False),
            ),
        ]
        constraints = [
            # Partial: SQLite adds it as an index, where a plain unique constraint would rebuild the table.
            models.UniqueConstraint(
                fields=["series", "series_index"],
                condition=Q(series__isnull=False),
                name="booking_one_per_series_index",
            ),
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
        return self.status in self.HOLD_STATUSES

    def blocks_at(self, now) -> bool:
        """Whether its time is kept from everyone else at `now` (see BookingQuerySet.blocking_at)."""
        if self.status == self.Status.HELD:
            return self.hold_expires_at > now
        return self.status in self.BLOCKING

    @property
    def manage_token(self) -> str:
        """The patient's token for this booking now: a revocation replaces it."""
        return tokens.manage_token(self.reference, self.manage_link_revocations or 0)

    @property
    def manage_code(self) -> str:
        """The code staff read out to the patient, for the same page as the manage link (revoked with it)."""
        return tokens.manage_code(self.reference, self.manage_link_revocations or 0)

    def accepts_manage_token(self, token: str) -> bool:
        # Bookings made before manage tokens were derived keep their random token (until it is revoked).
        return tokens.accepts_derived_token(
            self.reference, token, self.manage_link_revocations or 0
        ) or tokens.matches_digest(self.manage_token_digest, token)

    @property
    def manage_link_expires_at(self) -> datetime:
        return self.ends_at + timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT)

    def manage_link_expired(self, now: datetime) -> bool:
        return now >= self.manage_link_expires_at

    @property
    def shows_patient_details(self) -> bool:
        """Whether its manage link shows who the patient is and why they come: not once it is cancelled, since
        the link outlives the need (it may be forwarded, or read in an old mailbox)."""
        return self.status != self.Status.CANCELLED


class BookingEvent(models.Model):
    """One change to a booking: what, when, who, through which channel and why. Append-only: the database
    refuses to update or delete these rows (see scheduling/guards.py)."""

    class Kind(models.TextChoices):
        CREATED = "created"
        HELD = "held"
        # Held for one patient it is offered to (the waitlist): their yes books it, their no frees it.
        OFFERED = "offered"
        HOLD_RELEASED = "hold_released", "Hold released"
        HOLD_EXPIRED = "hold_expired", "Hold expired"
        RESCHEDULED = "rescheduled"
        CANCELLED = "cancelled"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed"
        NO_SHOW = "no_show", "No-show"
        PATIENT_DETAILS_CHANGED = "patient_details_changed", "Patient details changed"
        MANAGE_LINK_REVOKED = "manage_link_revoked", "Manage link revoked"
        # A closure, time off or new hours left it outside working time (scheduling/schedule_changes.py):
        # staff kept it there on purpose, or sent the patient a link to choose another time.
        KEPT_DESPITE_CHANGE = "kept_despite_change", "Kept despite a schedule change"
        NEW_TIMES_OFFERED = "new_times_offered", "New times offered"

    class Actor(models.TextChoices):
        PATIENT = "patient"
        STAFF = "staff"
        INTEGRATION = "integration"
        SYSTEM = "system"

    class Channel(models.TextChoices):
        API = "api", "API"
        ADMIN = "admin"
        BOOKING_PAGE = "booking_page", "Booking page"
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
