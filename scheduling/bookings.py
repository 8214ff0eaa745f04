"""The one write path for bookings: book, hold, confirm or release a hold, cancel, reschedule, the front
desk's statuses and staff edits of patient details.

The API, the admin, the shell, the booking page and the waitlist call these functions; nothing
else writes bookings. Each change is one conditional write whose row count is checked (it applies only if
the booking is still at the revision and in a status the caller saw) plus exactly one `BookingEvent`, in
the same transaction. Requests are checked against the same calendars availability shows; the database's
overlap guard has the last word when two requests race for the same time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F

from scheduling import cache, clinic_time, guards
from scheduling.calendars import Calendars
from scheduling.models import (
    AppointmentType,
    Booking,
    BookingEvent,
    Practitioner,
    manage_token,
    new_reference,
    token_digest,
)
from scheduling.rules import (
    BookingChanged,
    BookingRuleBroken,
    BookingWindow,
    HoldNotFound,
    RequestedSlot,
    SlotUnavailable,
    slot_rules,
)
from scheduling.signals import booking_changed
from scheduling.slots import Span

Status = Booking.Status
Kind = BookingEvent.Kind
Channel = BookingEvent.Channel

PATIENT_FIELDS = ("patient_name", "patient_email", "patient_phone", "reason_for_visit")
# Clinical detail stays out of the history's before/after values: the event says it changed, not to what.
NOT_RECORDED = frozenset({"reason_for_visit"})
HIDDEN = "(not recorded)"
# How often one write is run again after PostgreSQL aborted it to break a deadlock (see guards.is_deadlock).
DEADLOCK_ATTEMPTS = 5

T = TypeVar("T")
_writing: ContextVar[bool] = ContextVar("writing", default=False)


@dataclass(frozen=True)
class Patient:
    name: str
    email: str = ""
    phone: str = ""
    reason_for_visit: str = ""

    @classmethod
    def named_in(cls, fields: Mapping[str, str]) -> Patient:
        """The patient of a validated booking request or admin form, which share these field names."""
        return cls(
            name=fields["patient_name"],
            email=fields.get("patient_email", ""),
            phone=fields.get("patient_phone", ""),
            reason_for_visit=fields.get("reason_for_visit", ""),
        )

    def as_fields(self) -> dict[str, str]:
        return dict(zip(PATIENT_FIELDS, (self.name, self.email, self.phone, self.reason_for_visit), strict=True))


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


PATIENT = Actor(BookingEvent.Actor.PATIENT)
SYSTEM = Actor(BookingEvent.Actor.SYSTEM)


def hold_minutes() -> int:
    return settings.HOLD_MINUTES


def free_practitioners(
    appointment_type: AppointmentType,
    day: date,
    start_time: time,
    *,
    now: datetime,
    practitioner: Practitioner | None = None,
    ignoring: Booking | None = None,
) -> tuple[Span, list[Practitioner]]:
    """The slot asked for and who can take it, in assignment order; BookingError when nobody can.

    Forms call this to check a request before saving; every write below calls it first too.
    """
    requested = RequestedSlot(appointment_type, day, start_time)
    slot = requested.instant(now)
    rules = slot_rules(appointment_type)
    calendars = Calendars.offering(
        appointment_type, day, day, now=now, practitioner=practitioner, ignoring=ignoring, around=rules.blocked(slot)
    )
    on_grid = [p for p in calendars.practitioners if slot in calendars.candidates(p, [day], rules)]
    if not on_grid:
        step = int(rules.step.total_seconds() // 60)
        raise BookingRuleBroken(
            f"{start_time:%H:%M} is not a {appointment_type.name} slot on {day}: slots start every "
            f"{step} minutes from opening time and must end by closing time.",
            field="start_time",
            code="not_a_slot",
        )
    window = BookingWindow.at(appointment_type, now)
    free = [p for p in on_grid if calendars.is_free(p, slot, rules, window)]
    if not free:
        raise SlotUnavailable("This time is no longer available. Please choose another slot.")
    return slot, calendars.in_assignment_order(free, day)


def book(
    *,
    appointment_type: AppointmentType,
    day: date,
    start_time: time,
    patient: Patient,
    practitioner: Practitioner | None = None,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Book a slot; returns the booking and the patient's manage token (derived, never stored).

    Without a practitioner, the free one with the fewest bookings that day takes it.
    """
    reference = new_reference()
    booking = _claim(
        appointment_type,
        day,
        start_time,
        practitioner,
        now=now or clinic_time.now(),
        status=Status.CONFIRMED,
        kind=Kind.CREATED,
        by=by,
        via=via,
        reference=reference,
        **patient.as_fields(),
    )
    return booking, manage_token(reference)


def hold(
    *,
    appointment_type: AppointmentType,
    day: date,
    start_time: time,
    practitioner: Practitioner | None = None,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Keep a slot for `HOLD_MINUTES` while a patient types their details; returns the hold and its id.

    The hold id is a secret for whoever took the hold (stored as a digest): it confirms or releases it.
    """
    now = now or clinic_time.now()
    hold_id = f"hold_{secrets.token_urlsafe(24)}"
    held = _claim(
        appointment_type,
        day,
        start_time,
        practitioner,
        now=now,
        status=Status.HELD,
        kind=Kind.HELD,
        by=by,
        via=via,
        hold_expires_at=now + timedelta(minutes=hold_minutes()),
        hold_digest=token_digest(hold_id),
    )
    return held, hold_id


def _claim(appointment_type, day, start_time, practitioner, *, now, status, kind, by, via, **fields) -> Booking:
    """Insert a blocking booking for the first free practitioner the database lets have the time."""
    slot, candidates = free_practitioners(appointment_type, day, start_time, now=now, practitioner=practitioner)
    blocked = slot_rules(appointment_type).blocked(slot)
    # Checked outside the write transaction, so SQLite's single write lock is held only for the write:
    # if someone takes the time in between, the database guard refuses our insert and we try the next.
    for candidate in candidates:
        booking = Booking(
            practitioner=candidate,
            appointment_type=appointment_type,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
            status=status,
            **fields,
        )
        try:
            _write(partial(_insert, booking, kind, by, via, now, blocked), restoring=booking)
        except IntegrityError as error:
            if not guards.is_overlap(error):
                raise
            continue
        return booking
    raise SlotUnavailable("This time was just booked by someone else. Please choose another slot.")


def _insert(booking: Booking, kind: str, by: Actor, via: str, now: datetime, blocked: Span) -> None:
    # A hold that lapsed stopped blocking at once, but its row keeps the time until it is marked expired.
    _expire_stale_holds(booking.practitioner, blocked, now)
    booking.save(force_insert=True)
    _record(booking, kind, by=by, via=via, now=now, changes=_created_changes(booking))


def offer(
    *,
    appointment_type: AppointmentType,
    day: date,
    start_time: time,
    practitioner: Practitioner,
    patient: Patient,
    until: datetime,
    now: datetime | None = None,
) -> Booking:
    """Hold a slot for one patient it is offered to (the waitlist offers freed time) until `until`.

    Unlike a patient's own hold it names the patient, so staff see whom the time waits for, and it has no
    hold id: whoever made the offer answers it for the patient with `confirm_held` or `release_held`.
    """
    return _claim(
        appointment_type,
        day,
        start_time,
        practitioner,
        now=now or clinic_time.now(),
        status=Status.HELD,
        kind=Kind.OFFERED,
        by=SYSTEM,
        via=Channel.WAITLIST,
        hold_expires_at=until,
        **patient.as_fields(),
    )


def confirm_hold(
    hold_id: str, *, patient: Patient, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None
) -> tuple[Booking, str]:
    """Turn a hold into a confirmed booking for `patient`; returns it and the patient's manage token.

    A hold that lapsed still confirms if nobody needed its time meanwhile: whoever did would have
    expired it first (see `_expire_stale_holds`), and then this is a 409.
    """
    return confirm_held(_held(hold_id), patient=patient, by=by, via=via, now=now)


def confirm_held(
    held: Booking, *, patient: Patient, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None
) -> tuple[Booking, str]:
    """`confirm_hold` for a hold already at hand (an offer's)."""
    now = now or clinic_time.now()
    if held.status == Status.EXPIRED:
        raise SlotUnavailable(
            "Your hold on this time lapsed and someone else has booked it. Please choose another slot.",
            code="hold_expired",
        )
    if held.status != Status.HELD:
        raise HoldNotFound("This hold was released or already used. Please choose a time again.", field="hold_id")
    try:  # still not in the past, with enough notice
        RequestedSlot.of(held.appointment_type, held.starts_at).instant(now)
    except BookingRuleBroken as broken:
        raise BookingRuleBroken(broken.message, field="hold_id", code=broken.code) from None
    booking = _change(
        held,
        Kind.CREATED,
        allowed_from=[Status.HELD],
        by=by,
        via=via,
        now=now,
        status=Status.CONFIRMED,
        hold_expires_at=None,
        **patient.as_fields(),
    )
    return booking, manage_token(booking.reference)


def release_hold(hold_id: str, *, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """Let a held time go at once, rather than when the hold lapses."""
    return release_held(_held(hold_id), by=by, via=via, now=now)


def release_held(held: Booking, *, by: Actor = PATIENT, via: str = Channel.API, now: datetime | None = None) -> Booking:
    if held.status != Status.HELD:
        raise HoldNotFound("No live hold with this id.", field="hold_id")
    return _change(
        held, Kind.HOLD_RELEASED, allowed_from=[Status.HELD], by=by, via=via, now=now, status=Status.RELEASED
    )


def _held(hold_id: str) -> Booking:
    found = Booking.objects.select_related("appointment_type", "practitioner").filter(hold_digest=token_digest(hold_id))
    held = found.first()
    if held is None:
        raise HoldNotFound("No hold with this id. Please choose a time again.", field="hold_id")
    return held


def _expire_stale_holds(practitioner: Practitioner, blocked: Span, now: datetime) -> None:
    """Holds that lapsed but still sit on `blocked` are marked expired, so the time can be taken."""
    stale = Booking.objects.stale_holds(now).filter(practitioner=practitioner).overlapping(blocked.start, blocked.end)
    for held in stale:
        expire_hold(held, now)


def expire_stale_holds(now: datetime | None = None) -> int:
    """Record every lapsed hold as expired (they already stopped blocking); returns how many."""
    now = now or clinic_time.now()
    return sum(expire_hold(held, now) for held in Booking.objects.stale_holds(now))


def expire_hold(held: Booking, now: datetime) -> bool:
    """Record a lapsed hold as expired; False if it was confirmed, released or expired meanwhile."""
    try:
        _change(
            held,
            Kind.HOLD_EXPIRED,
            allowed_from=[Status.HELD],
            by=SYSTEM,
            via=Channel.SYSTEM,
            now=now,
            status=Status.EXPIRED,
        )
    except BookingChanged:  # confirmed or expired by someone else meanwhile: the guard decides what follows
        return False
    return True


def cancel(
    booking: Booking, *, by: Actor, via: str = Channel.API, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel a booking and free its time; the row stays, with who cancelled it, when and why."""
    _require_status(booking, [Status.CONFIRMED], "cancelled")
    now = now or clinic_time.now()
    return _change(
        booking,
        Kind.CANCELLED,
        allowed_from=[Status.CONFIRMED],
        by=by,
        via=via,
        now=now,
        reason=reason,
        status=Status.CANCELLED,
        cancelled_at=now,
        cancelled_by=Booking.CancelledBy.PATIENT
        if by.kind == BookingEvent.Actor.PATIENT
        else Booking.CancelledBy.STAFF,
        cancellation_reason=reason,
    )


def reschedule(
    booking: Booking,
    *,
    day: date,
    start_time: time,
    practitioner: Practitioner | None = None,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> Booking:
    """Move a booking to a new time in one transaction; if the new time is taken nothing changes."""
    _require_status(booking, [Status.CONFIRMED], "moved")
    now = now or clinic_time.now()
    wanted = practitioner or booking.practitioner
    slot, _ = free_practitioners(
        booking.appointment_type, day, start_time, now=now, practitioner=wanted, ignoring=booking
    )
    blocked = slot_rules(booking.appointment_type).blocked(slot)

    def move():
        _expire_stale_holds(wanted, blocked, now)
        return _change(
            booking,
            Kind.RESCHEDULED,
            allowed_from=[Status.CONFIRMED],
            by=by,
            via=via,
            now=now,
            practitioner=wanted,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
        )

    try:
        return _write(move, restoring=booking)
    except IntegrityError as error:
        if not guards.is_overlap(error):
            raise
        raise SlotUnavailable("This time was just booked by someone else. Please choose another slot.") from None


def check_in(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The patient has arrived. Possible on the appointment's own day only, so a slip cannot mark
    tomorrow's patient as here."""
    _require_status(booking, [Status.CONFIRMED], "checked in")
    now = now or clinic_time.now()
    if clinic_time.local_date(booking.starts_at) != clinic_time.local_date(now):
        raise BookingRuleBroken(
            "A patient can be checked in on the day of their appointment only.", field="status", code="not_today"
        )
    return _change(
        booking, Kind.CHECKED_IN, allowed_from=[Status.CONFIRMED], by=by, via=via, now=now, status=Status.CHECKED_IN
    )


def complete(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The visit took place; only a checked-in patient can have completed one."""
    _require_status(booking, [Status.CHECKED_IN], "completed")
    return _change(
        booking, Kind.COMPLETED, allowed_from=[Status.CHECKED_IN], by=by, via=via, now=now, status=Status.COMPLETED
    )


def mark_no_show(booking: Booking, *, by: Actor, via: str = Channel.API, now: datetime | None = None) -> Booking:
    """The patient did not come. Only once the appointment's start has passed."""
    _require_status(booking, [Status.CONFIRMED], "marked as a no-show")
    now = now or clinic_time.now()
    if booking.starts_at > now:
        raise BookingRuleBroken(
            "A booking can be marked as a no-show only once its start time has passed.",
            field="status",
            code="not_started",
        )
    return _change(
        booking, Kind.NO_SHOW, allowed_from=[Status.CONFIRMED], by=by, via=via, now=now, status=Status.NO_SHOW
    )


def change_patient_details(
    booking: Booking, patient: Patient, *, by: Actor, via: str = Channel.ADMIN, now: datetime | None = None
) -> Booking:
    """Staff correct a patient's name, e-mail, phone or reason for visit; nothing is written if nothing
    differs."""
    if booking.is_hold:
        raise BookingRuleBroken("A hold has no patient details to change.", field="status", code="is_hold")
    new = {name: value for name, value in patient.as_fields().items() if getattr(booking, name) != value}
    if not new:
        return booking
    allowed = [s for s in Status if s not in (Status.HELD, Status.RELEASED, Status.EXPIRED)]
    return _change(booking, Kind.PATIENT_DETAILS_CHANGED, allowed_from=allowed, by=by, via=via, now=now, **new)


def import_history(bookings: list[Booking], *, by: Actor = SYSTEM, via: str = Channel.SYSTEM) -> int:
    """Bulk-load bookings made elsewhere (a previous system, the benchmark's clinic), each with its history.

    For data known not to overlap; the guard still refuses any that does.
    """
    with transaction.atomic():
        created = Booking.objects.bulk_create(bookings, batch_size=2000)
        events = []
        for booking in created:
            events.append(
                BookingEvent(
                    booking=booking,
                    revision=1,
                    kind=Kind.CREATED,
                    occurred_at=booking.created_at,
                    actor=by.kind,
                    actor_name=by.name,
                    channel=via,
                    changes=_created_changes(booking, status=Status.CONFIRMED),
                )
            )
            if booking.status == Status.CANCELLED:
                events.append(
                    BookingEvent(
                        booking=booking,
                        revision=2,
                        kind=Kind.CANCELLED,
                        occurred_at=booking.cancelled_at or booking.created_at,
                        actor=by.kind,
                        actor_name=by.name,
                        channel=via,
                        changes={"status": [Status.CONFIRMED, Status.CANCELLED]},
                    )
                )
        BookingEvent.objects.bulk_create(events, batch_size=2000)
        cache.changed(cache.BOOKINGS)
    return len(created)


def _require_status(booking: Booking, allowed: list[str], becoming: str) -> None:
    if booking.status not in allowed:
        status = Status(booking.status).label
        # `already_cancelled` is the code clients have known since cancelling came first.
        code = "already_cancelled" if booking.status == Status.CANCELLED else "illegal_transition"
        raise BookingRuleBroken(f"A {status} booking cannot be {becoming}.", field="status", code=code)


def _change(
    booking: Booking,
    kind: str,
    *,
    allowed_from: list[str],
    by: Actor,
    via: str,
    now: datetime | None,
    reason: str = "",
    **new: object,
) -> Booking:
    """The conditional write every change makes: it applies only if the row is still at the revision and
    in a status the caller saw, then one event records it. Zero rows means someone else won."""
    now = now or clinic_time.now()
    before = {name: getattr(booking, name) for name in new}

    def write() -> Booking:
        written = Booking.objects.filter(pk=booking.pk, revision=booking.revision, status__in=allowed_from).update(
            **new, revision=F("revision") + 1, updated_at=now
        )
        if not written:
            current = Booking.objects.filter(pk=booking.pk).values_list("status", flat=True).first()
            raise BookingChanged(
                f"This booking was changed meanwhile (it is now {Status(current).label}). Reload it and try again.",
            )
        for name, value in new.items():
            setattr(booking, name, value)
        booking.revision += 1
        booking.updated_at = now
        changes = {
            name: [_plain(name, before[name]), _plain(name, value)]
            for name, value in new.items()
            if before[name] != value
        }
        _record(booking, kind, by=by, via=via, now=now, reason=reason, changes=changes)
        return booking

    return _write(write, restoring=booking)


def _write(body: Callable[[], T], *, restoring: Booking) -> T:
    """`body()` in one transaction (a savepoint inside a caller's), run again if PostgreSQL aborted it to
    break a deadlock (see `guards.is_deadlock`), with `restoring` as it was before the first try. A write
    inside another's body leaves running it again to the outer one."""
    if _writing.get():
        with transaction.atomic():
            return body()
    before = dict(restoring.__dict__)
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
                restoring.__dict__.update(before)
                attempts += 1
    finally:
        _writing.reset(token)


def _record(booking: Booking, kind: str, *, by: Actor, via: str, now: datetime, reason: str = "", changes) -> None:
    event = BookingEvent.objects.create(
        booking=booking,
        revision=booking.revision,
        kind=kind,
        occurred_at=now,
        actor=by.kind,
        actor_name=by.name,
        channel=via,
        reason=reason,
        changes={k: v for k, v in changes.items() if k in TRACKED},
    )
    # Inside the transaction: what the apps built on the core write in answer (e-mails, webhooks) commits
    # or rolls back with the change itself.
    booking_changed.send(sender=Booking, booking=booking, event=event)
    cache.changed(cache.BOOKINGS)


# What the history keeps of a change; secrets and bookkeeping (digests, revision, updated_at) stay out.
TRACKED = frozenset(
    {"status", "practitioner", "starts_at", "ends_at", "cancellation_reason", "hold_expires_at", *PATIENT_FIELDS}
)


def _plain(name: str, value: object) -> object:
    """A value as the history's JSON keeps it."""
    if name in NOT_RECORDED:
        return HIDDEN if value else ""
    if isinstance(value, Practitioner):
        return value.slug
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _created_changes(booking: Booking, status: str | None = None) -> dict[str, list]:
    fields = ("status", "practitioner", "starts_at", "ends_at", "hold_expires_at", *PATIENT_FIELDS)
    values = {name: getattr(booking, name) for name in fields}
    if status:
        values["status"] = status
    return {name: [None, _plain(name, value)] for name, value in values.items() if value not in (None, "")}
