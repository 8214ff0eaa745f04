"""The waitlist: patients waiting for a time that may come free, the times offered to them, and the freed
time still to be offered."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from outbox.models import OutboxItem
from scheduling import clinic_time
from scheduling.bookings import PatientDetails
from scheduling.models import AppointmentType, Booking, Practitioner, phone_number
from scheduling.models import Patient as PatientRecord
from scheduling.patient_details import validate_email_address, validate_name
from scheduling.slots import Span
from scheduling.tokens import LinkExpired, accepts_derived_token, manage_token


def new_reference() -> str:
    # Shared with the patient, like a booking's: random, so no one can walk the list.
    return f"wl_{secrets.token_hex(10)}"


class EntryQuerySet(models.QuerySet):
    def waiting(self, today: date):
        """Entries still in line: not booked, not left, and their latest date not yet past."""
        return self.filter(status=Entry.Status.WAITING, latest_date__gte=today)

    def in_line(self):
        return self.order_by("joined_at", "pk")

    def opened_by(self, reference: str, token: str, *, staff: bool = False, now=None) -> Entry | None:
        """The entry, for staff or whoever holds its token while its link lasts (LinkExpired after that, for
        the right token only); a wrong token looks like no entry at all."""
        entry = self.select_related("appointment_type", "practitioner", "booking").filter(reference=reference).first()
        if entry is None or not (staff or entry.accepts_token(token)):
            return None
        if not staff and (now or clinic_time.now()) >= entry.link_expires_at:
            raise LinkExpired
        return entry


class Entry(models.Model):
    """One patient waiting for a kind of appointment between two dates, and optionally two times of day.

    The patient sees it, answers its offers and leaves with a token derived from its reference, like a
    booking's manage token. An entry ends by itself once its latest date has passed.
    """

    class Status(models.TextChoices):
        WAITING = "waiting"
        BOOKED = "booked"
        LEFT = "left", "left the waitlist"
        REMOVED = "removed", "removed by staff"

    # Shown, never stored: an entry still waiting whose latest date has passed.
    ENDED = "ended"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    appointment_type = models.ForeignKey(AppointmentType, models.PROTECT, related_name="waitlist_entries")
    practitioner = models.ForeignKey(
        Practitioner,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        help_text="Empty: any practitioner who offers the appointment type.",
    )
    earliest_date = models.DateField()
    latest_date = models.DateField(help_text="Inclusive. The entry ends by itself after this day.")
    earliest_time = models.TimeField(null=True, blank=True, help_text="Clinic local time the visit may start from.")
    latest_time = models.TimeField(null=True, blank=True, help_text="Clinic local time the visit must end by.")
    patient = models.ForeignKey(
        PatientRecord, models.PROTECT, null=True, blank=True, related_name="waitlist_entries", editable=False
    )
    patient_name = models.CharField(max_length=200, validators=[validate_name])
    patient_email = models.EmailField(help_text="Offers are sent here.", validators=[validate_email_address])
    patient_phone = models.CharField(max_length=32, blank=True, validators=[phone_number])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    joined_at = models.DateTimeField(default=clinic_time.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    booking = models.OneToOneField(
        Booking, models.PROTECT, null=True, blank=True, editable=False, related_name="waitlist_entry"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist"
        ordering = ["joined_at", "pk"]
        indexes = [models.Index(fields=["status", "latest_date"], name="waitlist_entry_waiting_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(latest_date__gte=F("earliest_date")), name="waitlist_dates_in_order"),
            models.CheckConstraint(
                condition=Q(earliest_time__isnull=True)
                | Q(latest_time__isnull=True)
                | Q(latest_time__gt=F("earliest_time")),
                name="waitlist_times_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="booked") | Q(booking__isnull=False), name="waitlist_booked_has_booking"
            ),
        ]

    def __str__(self):
        return f"{self.patient_name}: {self.appointment_type.name}, {self.earliest_date} to {self.latest_date}"

    @property
    def token(self) -> str:
        """The patient's token for this entry (derived from its reference, never stored)."""
        return manage_token(self.reference)

    def accepts_token(self, token: str) -> bool:
        return accepts_derived_token(self.reference, token)

    @property
    def link_expires_at(self) -> datetime:
        """As a booking's link ends some days after the visit, an entry's ends some days after its latest day:
        by then it has long stopped waiting."""
        last_day = clinic_time.days(self.latest_date, self.latest_date)
        return last_day.end + timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT)

    @property
    def patient_details(self) -> PatientDetails:
        # The entry keeps no date of birth of its own: the record took the one typed when the patient joined.
        return PatientDetails(
            name=self.patient_name,
            email=self.patient_email,
            phone=self.patient_phone,
            birth_date=self.patient.birth_date if self.patient else None,
            record=self.patient,
        )

    def state(self, today: date) -> str:
        """The status a patient or staff member sees: waiting, booked, left, removed, or ended."""
        if self.status == self.Status.WAITING and self.latest_date < today:
            return self.ENDED
        return self.status

    def fits(self, slot: Span) -> bool:
        """Whether a slot lies inside this entry's days and times of day (clinic local)."""
        start, end = clinic_time.local(slot.start), clinic_time.local(slot.end)
        if not self.earliest_date <= start.date() <= self.latest_date:
            return False
        if self.earliest_time and start.time() < self.earliest_time:
            return False
        return not (self.latest_time and end > clinic_time.at(start.date(), self.latest_time))


class Offer(models.Model):
    """A freed time held for one waitlist entry until it is accepted, declined or lapses.

    The hold is an ordinary held booking (so nobody else can book the time); accepting turns that very
    booking into the patient's, and its manage token is the offer's link.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        ACCEPTED = "accepted"
        DECLINED = "declined"
        EXPIRED = "expired", "lapsed unanswered"
        WITHDRAWN = "withdrawn", "withdrawn (the patient left the waitlist)"

    entry = models.ForeignKey(Entry, models.PROTECT, related_name="offers")
    hold = models.OneToOneField(Booking, models.PROTECT, related_name="waitlist_offer")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="The time goes to the next patient in line if not accepted by then.")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="waitlist_offer_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=Q(status="open"), name="waitlist_one_open_offer")
        ]

    def __str__(self):
        return f"Offer of {self.hold.reference} to {self.entry.reference}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class FreedTime(OutboxItem):
    """Time that came free (a cancellation, a move, a hold let go, time off or a closure removed), waiting
    for a background task to offer it to the waitlist. A row, not only a task, so that a worker killed
    mid-task or a task lost between commit and queueing is found again by the sweeper."""

    practitioner = models.ForeignKey(
        Practitioner, models.CASCADE, null=True, blank=True, help_text="Empty: everyone's (a closure lifted)."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cause = models.CharField(max_length=200)

    class Meta:
        verbose_name = "freed time to offer"
        verbose_name_plural = "freed time to offer"
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="freed_time_due_idx")]

    def __str__(self):
        return f"{self.cause} ({self.starts_at:%Y-%m-%d %H:%M})"

    @property
    def span(self) -> Span:
        return Span(self.starts_at, self.ends_at)


class Notice(OutboxItem):
    """An e-mail about a waitlist entry that is not about a held time (those are the booking's own
    messages): for now, the confirmation of joining, with the patient's link to their entry."""

    class Kind(models.TextChoices):
        JOINED = "joined", "joined the waitlist"

    entry = models.ForeignKey(Entry, models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient = models.EmailField()

    class Meta:
        verbose_name = "waitlist e-mail"
        ordering = ["next_attempt_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="waitlist_notice_due_idx")]
        constraints = [models.UniqueConstraint(fields=["entry", "kind"], name="waitlist_notice_one_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


def local_days(span: Span) -> tuple[date, date]:
    """The first and last clinic-local days a span touches (it ends just before its end)."""
    return clinic_time.local_date(span.start), clinic_time.local_date(span.end - timedelta.resolution)
