"""Claiming time: a booking, a patient's hold while they type, or a hold offered to one patient (the
waitlist). Each checks who can take the requested slot, then inserts for the first of them the database's
overlap guard lets have it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection

from scheduling import clinic_time, guards, tokens
from scheduling.bookings.holds import expire_hold
from scheduling.bookings.writes import (
    PATIENT,
    SYSTEM,
    Actor,
    Channel,
    Kind,
    Patient,
    Status,
    created_changes,
    in_transaction,
    record,
)
from scheduling.models import Booking, Practitioner, new_reference
from scheduling.open_days import BookableTime
from scheduling.rules import BookingRuleBroken, RequestedSlot, SlotUnavailable, TooManyHolds, slot_rules
from scheduling.slots import Span

TAKEN_MEANWHILE = "This time was just booked by someone else. Please choose another slot."


def free_practitioners(
    requested: RequestedSlot, *, now: datetime, ignoring: Booking | None = None
) -> tuple[Span, list[Practitioner]]:
    """The slot asked for and who can take it, in assignment order; BookingError when nobody can.

    Forms call this to check a request before saving; every write below calls it first too.
    """
    slot = requested.instant(now)
    appointment_type, day = requested.appointment_type, requested.day
    bookable = BookableTime.load(
        appointment_type, day, day, now=now, practitioner=requested.practitioner, ignoring=ignoring, around=slot
    )
    on_grid = [p for p in bookable.practitioners if bookable.on_grid(p, slot)]
    if not on_grid:
        step = int(bookable.rules.step.total_seconds() // 60)
        raise BookingRuleBroken(
            f"{requested.start_time:%H:%M} is not a {appointment_type.name} slot on {day}: slots start every "
            f"{step} minutes from opening time and must end by closing time.",
            field="start_time",
            code="not_a_slot",
        )
    free = [p for p in on_grid if bookable.is_free(p, slot)]
    if not free:
        raise SlotUnavailable("This time is no longer available. Please choose another slot.")
    return slot, bookable.in_assignment_order(free, day)


def book(
    requested: RequestedSlot,
    *,
    patient: Patient,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Book a slot; returns the booking and the patient's manage token (derived, never stored).

    Without a practitioner, the free one with the fewest bookings that day takes it.
    """
    reference = new_reference()
    booking = claim(
        requested,
        now=now or clinic_time.now(),
        status=Status.CONFIRMED,
        kind=Kind.CREATED,
        by=by,
        via=via,
        reference=reference,
        **patient.as_fields(),
    )
    return booking, tokens.manage_token(reference)


def hold(
    requested: RequestedSlot,
    *,
    holder: str | None = None,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Keep a slot for `HOLD_MINUTES` while a patient types their details; returns the hold and its id.

    The hold id is a secret for whoever took the hold (stored as a digest): it finds the hold again
    (`find_hold`) to confirm or release it. `holder` (`tokens.holder_key` of the client's address) limits
    how many holds one client keeps: TooManyHolds beyond `HOLDS_PER_CLIENT_AT_ONCE` live ones, or
    `HOLDS_PER_CLIENT_PER_DAY` in 24 hours.
    """
    now = now or clinic_time.now()
    hold_id, digest = tokens.new_secret("hold_")
    held = claim(
        requested,
        now=now,
        status=Status.HELD,
        kind=Kind.HELD,
        by=by,
        via=via,
        admit=partial(require_hold_allowance, holder) if holder else None,
        hold_expires_at=now + timedelta(minutes=hold_minutes()),
        hold_digest=digest,
        held_by=holder,
    )
    return held, hold_id


def require_hold_allowance(holder: str, now: datetime) -> None:
    """TooManyHolds if `holder` may take no more holds now. Runs in the insert's transaction, after
    taking the holder's turn, so simultaneous requests of one client cannot each see room for one more."""
    guards.take_turn(connection, holder)
    theirs = Booking.objects.filter(held_by=holder)
    live = sorted(theirs.filter(status=Status.HELD, hold_expires_at__gt=now).values_list("hold_expires_at", flat=True))
    at_once = settings.HOLDS_PER_CLIENT_AT_ONCE
    if len(live) >= at_once:
        raise TooManyHolds(
            f"You are already holding {len(live)} times, as many as one person may. Book one or let one go "
            "before choosing another time.",
            retry_after=live[len(live) - at_once] - now,
        )
    day = timedelta(days=1)
    taken = sorted(theirs.filter(created_at__gt=now - day).values_list("created_at", flat=True))
    per_day = settings.HOLDS_PER_CLIENT_PER_DAY
    if len(taken) >= per_day:
        raise TooManyHolds(
            f"{len(taken)} times were held from your network today without being booked, as many as a day "
            "allows. Please try again later, or call the clinic.",
            retry_after=taken[len(taken) - per_day] + day - now,
        )


def hold_minutes() -> int:
    return settings.HOLD_MINUTES


def offer(requested: RequestedSlot, *, patient: Patient, until: datetime, now: datetime | None = None) -> Booking:
    """Hold a slot for one patient it is offered to (the waitlist offers freed time) until `until`.

    Unlike a patient's own hold it names the patient, so staff see whom the time waits for, and it has no
    hold id: whoever made the offer answers it for the patient with `confirm_hold` or `release_hold`.
    """
    return claim(
        requested,
        now=now or clinic_time.now(),
        status=Status.HELD,
        kind=Kind.OFFERED,
        by=SYSTEM,
        via=Channel.WAITLIST,
        hold_expires_at=until,
        **patient.as_fields(),
    )


def claim(
    requested: RequestedSlot,
    *,
    now: datetime,
    status: str,
    kind: str,
    by: Actor,
    via: str,
    admit: Callable[[datetime], None] | None = None,
    **fields,
) -> Booking:
    """Insert a blocking booking for the first free practitioner the database lets have the time; `admit`,
    if given, runs first in the insert's transaction and raises to refuse it."""
    slot, candidates = free_practitioners(requested, now=now)
    blocked = slot_rules(requested.appointment_type).blocked(slot)
    # Checked outside the write transaction, so SQLite's single write lock is held only for the write:
    # if someone takes the time in between, the database guard refuses our insert and we try the next.
    for candidate in candidates:
        booking = Booking(
            practitioner=candidate,
            appointment_type=requested.appointment_type,
            starts_at=slot.start,
            ends_at=slot.end,
            blocked_from=blocked.start,
            blocked_until=blocked.end,
            status=status,
            **fields,
        )
        try:
            in_transaction(partial(_insert, booking, kind, by, via, now, blocked, admit), restoring=booking)
        except IntegrityError as error:
            if not guards.is_overlap(error):
                raise
            continue
        return booking
    raise SlotUnavailable(TAKEN_MEANWHILE)


def _insert(
    booking: Booking, kind: str, by: Actor, via: str, now: datetime, blocked: Span, admit: Callable | None
) -> None:
    if admit is not None:
        admit(now)
    # A hold that lapsed stopped blocking at once, but its row keeps the time until it is marked expired.
    expire_lapsed_holds_on(booking.practitioner, blocked, now)
    booking.save(force_insert=True)
    record(booking, kind, by=by, via=via, now=now, changes=created_changes(booking))


def expire_lapsed_holds_on(practitioner: Practitioner, blocked: Span, now: datetime) -> None:
    """Holds that lapsed but still sit on `blocked` are marked expired, so the time can be taken."""
    lapsed = Booking.objects.stale_holds(now).filter(practitioner=practitioner).overlapping(blocked.start, blocked.end)
    for held in lapsed:
        expire_hold(held, now)
