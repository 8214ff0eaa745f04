"""The write every booking change makes: one conditional update whose row count is checked, plus one
`BookingEvent`, in one transaction; who makes a change and for which patient.

The update applies only if the booking is still at the revision and in a status the caller saw (as
healthchecks' `sendalerts` does); zero rows means someone else won, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from django.db import OperationalError, transaction
from django.db.models import F

from scheduling import cache, clinic_time, guards, intake
from scheduling.models import AppointmentType, Booking, BookingEvent, Practitioner, questions_of
from scheduling.patient_details import normalised_name
from scheduling.rules import AnswersRefused, BookingChanged, BookingRuleBroken
from scheduling.signals import booking_changed

Status = Booking.Status
Kind = BookingEvent.Kind
Channel = BookingEvent.Channel

PATIENT_FIELDS = ("patient_name", "patient_email", "patient_phone", "patient_birth_date", "reason_for_visit")
# Clinical detail stays out of the history's before/after values: the event says it changed, not to what.
NOT_RECORDED = frozenset({"reason_for_visit"})
HIDDEN = "(not recorded)"
# What the history keeps of a change; secrets and bookkeeping (digests, revision, updated_at) stay out.
TRACKED = frozenset(
    {
        "status",
        "practitioner",
        "starts_at",
        "ends_at",
        "cancellation_reason",
        "hold_expires_at",
        "resources",  # {pool: [units]} the booking holds (rooms, machines)
        *PATIENT_FIELDS,
    }
)
# How often one write is run again after PostgreSQL aborted it to break a deadlock (see guards.is_deadlock).
DEADLOCK_ATTEMPTS = 5

T = TypeVar("T")
_writing: ContextVar[bool] = ContextVar("writing", default=False)


@dataclass(frozen=True)
class PatientDetails:
    """The patient's details as typed into one booking."""

    name: str
    email: str = ""
    phone: str = ""
    reason_for_visit: str = ""
    birth_date: date | None = None
    # The intake answers as sent, {question slug: value}; checked against the type by `answering`.
    answers: Mapping[str, object] | None = field(default=None, compare=False)
    # The checked answers as asked (scheduling.intake.answers_as_asked), which the booking keeps.
    answered: tuple[dict, ...] = field(default=(), compare=False)
    # The patient's record when it is known already (a waitlist entry's): matching is skipped.
    record: object = field(default=None, compare=False)

    def __post_init__(self):
        # Every interface normalises the name already; this is the last word for any that forgets (the shell).
        object.__setattr__(self, "name", normalised_name(self.name))

    @classmethod
    def named_in(cls, fields: Mapping[str, str]) -> PatientDetails:
        """The patient of a validated booking request or admin form, which share these field names."""
        return cls(
            name=fields["patient_name"],
            email=fields.get("patient_email", ""),
            phone=fields.get("patient_phone", ""),
            reason_for_visit=fields.get("reason_for_visit", ""),
            birth_date=fields.get("patient_birth_date"),
            answers=fields.get("answers"),
        )

    def check_asked_by(self, appointment_type: AppointmentType) -> None:
        """BookingRuleBroken naming `patient_birth_date` if the type asks patients their date of birth and
        these details, typed for this booking, have none. Details of a known record (a waitlist entry's)
        were asked when the patient joined."""
        if appointment_type.requires_birth_date and self.birth_date is None and self.record is None:
            raise BookingRuleBroken(
                f"A {appointment_type.name} needs the patient's date of birth.",
                field="patient_birth_date",
                code="required",
            )

    def answering(self, appointment_type: AppointmentType, by: Actor) -> PatientDetails:
        """These details with their answers checked against the questions booking the type asks, ready to
        be kept with the booking; AnswersRefused naming each question at fault otherwise. Staff booking for
        a patient may leave required questions unanswered (the patient on the phone was not asked them)."""
        try:
            questions = questions_of(appointment_type)
            answered = intake.answers_as_asked(questions, self.answers, enforce_required=by.is_patient)
        except intake.AnswersInvalid as invalid:
            raise AnswersRefused(invalid.errors) from None
        return replace(self, answered=tuple(answered))

    def as_fields(self) -> dict[str, str]:
        typed = (self.name, self.email, self.phone, self.birth_date, self.reason_for_visit)
        return dict(zip(PATIENT_FIELDS, typed, strict=True))

    @property
    def answers_kept(self) -> list[dict] | None:
        """`Booking.intake_answers` for these details: NULL when nothing was answered."""
        return list(self.answered) or None


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the history records it."""

    kind: str
    name: str = ""

    @classmethod
    def staff(cls, user) -> Actor:
        return cls(BookingEvent.Actor.STAFF, user.get_username())

    @classmethod
    def integration(cls, name: str) -> Actor:
        return cls(BookingEvent.Actor.INTEGRATION, name)

    @property
    def is_patient(self) -> bool:
        return self.kind == BookingEvent.Actor.PATIENT


PATIENT = Actor(BookingEvent.Actor.PATIENT)
SYSTEM = Actor(BookingEvent.Actor.SYSTEM)


def status_refusal(booking: Booking, allowed: list[str], becoming: str) -> BookingRuleBroken | None:
    """Why a booking in its status cannot be `becoming` ("cancelled", "moved"...), or None."""
    if booking.status in allowed:
        return None
    status = Status(booking.status).label.lower()
    # `already_cancelled` is the code clients have known since cancelling came first.
    code = "already_cancelled" if booking.status == Status.CANCELLED else "illegal_transition"
    return BookingRuleBroken(f"A {status} booking cannot be {becoming}.", field="status", code=code)


def require_status(booking: Booking, allowed: list[str], becoming: str) -> None:
    refused = status_refusal(booking, allowed, becoming)
    if refused is not None:
        raise refused


def change(
    booking: Booking,
    kind: str,
    *,
    allowed_from: list[str],
    by: Actor,
    via: str,
    now: datetime | None,
    reason: str = "",
    also_changed: dict[str, list] | None = None,
    **new: object,
) -> Booking:
    """The conditional write every change makes: it applies only if the row is still at the revision and
    in a status the caller saw, then one event records it. Zero rows means someone else won.
    `also_changed` adds to the event what changed beside the row ({name: [before, after]}: its units)."""
    now = now or clinic_time.now()
    before = {name: getattr(booking, name) for name in new}

    def write() -> Booking:
        written = Booking.objects.filter(pk=booking.pk, revision=booking.revision, status__in=allowed_from).update(
            **new, revision=F("revision") + 1, updated_at=now
        )
        if not written:
            current = Booking.objects.filter(pk=booking.pk).values_list("status", flat=True).first()
            now_is = Status(current).label.lower()
            raise BookingChanged(f"This booking was changed meanwhile (it is now {now_is}). Reload it and try again.")
        for name, value in new.items():
            setattr(booking, name, value)
        booking.revision += 1
        booking.updated_at = now
        changes = {
            name: [plain(name, before[name]), plain(name, value)]
            for name, value in new.items()
            if before[name] != value
        }
        changes.update({name: values for name, values in (also_changed or {}).items() if values[0] != values[1]})
        record(booking, kind, by=by, via=via, now=now, reason=reason, changes=changes)
        return booking

    return in_transaction(write, restoring=booking)


def in_transaction(body: Callable[[], T], *, restoring: object | None) -> T:
    """`body()` in one transaction (a savepoint inside a caller's), run again if PostgreSQL aborted it to
    break a deadlock (see `guards.is_deadlock`), with `restoring` as it was before the first try. A write
    inside another's body leaves running it again to the outer one."""
    if _writing.get():
        with transaction.atomic():
            return body()
    before = dict(restoring.__dict__) if restoring is not None else {}
    attempts = 1
    token = _writing.set(True)
    try:
        while True:
            try:
                with transaction.atomic():
                    return body()
            except OperationalError as error:
                if attempts == DEADLOCK_ATTEMPTS or not guards.is_deadlock(error):
                    raise
                if restoring is not None:
                    restoring.__dict__.update(before)
                attempts += 1
    finally:
        _writing.reset(token)


def new_event(
    booking: Booking, kind: str, *, revision: int, by: Actor, via: str, at: datetime, changes: dict, reason: str = ""
) -> BookingEvent:
    """A booking's event as the history keeps it (not yet saved)."""
    return BookingEvent(
        booking=booking,
        revision=revision,
        kind=kind,
        occurred_at=at,
        actor=by.kind,
        actor_name=by.name,
        channel=via,
        reason=reason,
        changes={name: values for name, values in changes.items() if name in TRACKED},
    )


def record(booking: Booking, kind: str, *, by: Actor, via: str, now: datetime, reason: str = "", changes) -> None:
    event = new_event(booking, kind, revision=booking.revision, by=by, via=via, at=now, changes=changes, reason=reason)
    event.save(force_insert=True)
    # Inside the transaction: what the apps built on the core write in answer (e-mails, webhooks) commits
    # or rolls back with the change itself.
    booking_changed.send(sender=Booking, booking=booking, event=event)
    cache.changed(cache.BOOKINGS)


def plain(name: str, value: object) -> object:
    """A value as the history's JSON keeps it."""
    if name in NOT_RECORDED:
        return HIDDEN if value else ""
    if isinstance(value, Practitioner):
        return value.slug
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value


def created_changes(booking: Booking, status: str | None = None) -> dict[str, list]:
    """A new booking's history entry: every value it starts with."""
    fields = ("status", "practitioner", "starts_at", "ends_at", "hold_expires_at", *PATIENT_FIELDS)
    values = {name: getattr(booking, name) for name in fields}
    if status:
        values["status"] = status
    return {name: [None, plain(name, value)] for name, value in values.items() if value not in (None, "")}
