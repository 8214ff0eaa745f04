"""Claiming time: a booking, a patient's hold while they type, or a hold offered to one patient (the
waitlist). Each checks who can take the requested slot, then inserts for the first of them the database's
overlap guard lets have it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection

from scheduling import clinic_time, guards, patients, tokens, units
from scheduling.bookings.holds import expire_hold
from scheduling.bookings.writes import (
    PATIENT,
    SYSTEM,
    Actor,
    Channel,
    Kind,
    PatientDetails,
    Status,
    created_changes,
    in_transaction,
    record,
)
from scheduling.models import Booking, GroupSession, Practitioner, ResourceClaim, new_reference
from scheduling.open_days import BookableTime
from scheduling.reference import reference_data
from scheduling.rules import (
    BookingRuleBroken,
    RequestedSlot,
    ResourceTaken,
    SlotUnavailable,
    TooManyHolds,
)
from scheduling.slots import Span
from scheduling.slots.units import Assignment, units_of

TAKEN_MEANWHILE = "This time was just booked by someone else. Please choose another slot."
NO_UNITS = "No room or equipment this appointment needs is free at that time. Please choose another slot."
# How often a booking reads the units afresh after the database refused the ones it chose (taken meanwhile).
UNIT_ATTEMPTS = 3
# How many of the nearest times with a pinned unit a `resource_taken` answer offers.
NEAREST_TIMES = 3
# Staff's choice of units: {pool: unit} or {pool: [units]}.
Pinned = Mapping[str, str | Sequence[str]]
# The history's reason on a booking or move that staff allowed to skip the slot grid and opening hours.
OFF_GRID = "booked off the slot grid"


def free_practitioners(
    requested: RequestedSlot,
    *,
    now: datetime,
    ignoring: Booking | None = None,
    off_grid: bool = False,
    resources: Pinned | None = None,
) -> tuple[Span, list[Practitioner]]:
    """The slot asked for and who can take it, in assignment order; BookingError when nobody can.

    Forms call this to check a request before saving; every write below calls it first too. `off_grid`
    (staff holding "book_off_grid" only: callers check it) skips the slot grid and opening hours; time off,
    closures, other bookings and the database's overlap guard still refuse the time. `resources` pins a
    unit per pool (staff only); the type's other needs are assigned.
    """
    slot, _, offers = available(requested, now=now, ignoring=ignoring, off_grid=off_grid, resources=resources)
    return slot, [practitioner for practitioner, _ in offers]


def available(
    requested: RequestedSlot,
    *,
    now: datetime,
    ignoring: Booking | None = None,
    off_grid: bool = False,
    resources: Pinned | None = None,
    keep=(),
) -> tuple[Span, BookableTime, list[tuple[Practitioner, Assignment]]]:
    """The slot asked for, the type's time around it, and each practitioner who can take it with the units
    they would take (`keep`: units a moving booking holds, kept when free), in assignment order."""
    slot = requested.instant(now)
    appointment_type, day = requested.appointment_type, requested.day
    resources = units.pinned_units(resources)
    if resources:
        reference_data().resources.check_pinned(appointment_type, resources)
    bookable = BookableTime.load(
        appointment_type,
        day,
        day,
        now=now,
        practitioner=requested.practitioner,
        ignoring=ignoring,
        around=slot,
        horizon_days=requested.horizon_days,
    )
    on_grid = [p for p in bookable.practitioners if off_grid or bookable.on_grid(p, slot)]
    if not on_grid:
        step = int(bookable.rules.step.total_seconds() // 60)
        raise BookingRuleBroken(
            f"{requested.start_time:%H:%M} is not a {appointment_type.name} slot on {day}: slots start every "
            f"{step} minutes from opening time and must end by closing time.",
            field="start_time",
            code="not_a_slot",
        )
    free = bookable.in_assignment_order([p for p in on_grid if bookable.is_free(p, slot)], day, slot)
    if not free:
        sessions = [bookable.calendars.session_at(p, slot) for p in on_grid]
        if sessions and all(session is not None and not session.left for session in sessions):
            raise SlotUnavailable(
                f"This {appointment_type.name} session is full. Please choose another time.", code="session_full"
            )
        raise SlotUnavailable("This time is no longer available. Please choose another slot.")
    offers = []
    for practitioner in free:
        assignment = bookable.units_for(practitioner, slot, pinned=resources, keep=keep)
        if assignment is not None:
            offers.append((practitioner, assignment))
    if offers:
        return slot, bookable, offers
    if resources:
        raise ResourceTaken(
            "The room or equipment chosen is taken at that time.",
            alternatives=alternatives(requested, slot, bookable, free, resources, now=now, ignoring=ignoring),
        )
    raise SlotUnavailable(NO_UNITS)


def alternatives(
    requested: RequestedSlot,
    slot: Span,
    bookable: BookableTime,
    free: list[Practitioner],
    pinned: Mapping[str, tuple[str, ...]],
    *,
    now: datetime,
    ignoring: Booking | None,
) -> list[dict]:
    """What staff could book instead of a pinned unit that is taken: the same time with other units, then
    the nearest times that day with the units pinned."""
    found = []
    same_time = next((a for p in free if (a := bookable.units_for(p, slot)) is not None), None)
    if same_time is not None:
        found.append(_alternative(slot, same_time))
    day = requested.day
    whole_day = BookableTime.load(
        requested.appointment_type, day, day, now=now, practitioner=requested.practitioner, ignoring=ignoring
    )
    times: dict[Span, Assignment] = {}
    for practitioner in whole_day.practitioners:
        for other in whole_day.free(practitioner):
            if other != slot and other not in times:
                assignment = whole_day.units_for(practitioner, other, pinned=pinned)
                if assignment is not None:
                    times[other] = assignment
    nearest = sorted(times, key=lambda other: (abs(other.start - slot.start), other.start))[:NEAREST_TIMES]
    found += [_alternative(other, times[other]) for other in sorted(nearest)]
    return found


def _alternative(slot: Span, assignment: Assignment) -> dict:
    local = clinic_time.local(slot.start)
    return {
        "date": local.date().isoformat(),
        "start_time": f"{local:%H:%M}",
        "resources": {pool: list(slugs) for pool, slugs in sorted(assignment.items())},
    }


def book(
    requested: RequestedSlot,
    *,
    patient: PatientDetails,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
    off_grid: bool = False,
    resources: Pinned | None = None,
) -> tuple[Booking, str]:
    """Book a slot; returns the booking and the patient's manage token (derived, never stored).

    Without a practitioner, the free one with the fewest bookings that day takes it. `off_grid` is for
    staff allowed to book off the slot grid or outside hours; the history's reason then says so.
    `resources` ({pool: unit}, staff only) pins units; the type's other needs are assigned.
    """
    if off_grid and by.is_patient:
        raise BookingRuleBroken("Only staff may book off the slot grid.", field="start_time", code="not_a_slot")
    require_staff_to_pin(resources, by)
    patient.check_asked_by(requested.appointment_type)
    patient = patient.answering(requested.appointment_type, by)
    booking = claim_confirmed(
        requested, details=patient, by=by, via=via, now=now or clinic_time.now(), off_grid=off_grid, resources=resources
    )
    return booking, tokens.manage_token(booking.reference)


def claim_confirmed(
    requested: RequestedSlot, *, details: PatientDetails, by: Actor, via: str, now: datetime, **options
) -> Booking:
    """A confirmed booking for the patient `details` name, under a new reference with its manage code: a
    booking's insert and each visit's of a course (`options` as `claim` takes them)."""
    reference = new_reference()
    return claim(
        requested,
        now=now,
        status=Status.CONFIRMED,
        kind=Kind.CREATED,
        by=by,
        via=via,
        reference=reference,
        manage_code_digest=tokens.manage_code_digest(reference),
        details=details,
        **options,
    )


def require_staff_to_pin(resources: Pinned | None, by: Actor) -> None:
    """Rooms are the clinic's to assign: a patient naming one is refused (the API answers 403)."""
    if resources and by.is_patient:
        raise BookingRuleBroken(
            "Only the clinic's staff may choose a room or equipment.", field="resources", code="permission_denied"
        )


def hold(
    requested: RequestedSlot,
    *,
    holder: str | None = None,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
    resources: Pinned | None = None,
) -> tuple[Booking, str]:
    """Keep a slot for `HOLD_MINUTES` while a patient types their details; returns the hold and its id.

    The hold id is a secret for whoever took the hold (stored as a digest): it finds the hold again
    (`find_hold`) to confirm or release it. `holder` (`tokens.holder_key` of the client's address) limits
    how many holds one client keeps: TooManyHolds beyond `HOLDS_PER_CLIENT_AT_ONCE` live ones, or
    `HOLDS_PER_CLIENT_PER_DAY` in 24 hours.
    """
    require_staff_to_pin(resources, by)
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
        resources=resources,
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


def offer(
    requested: RequestedSlot, *, patient: PatientDetails, until: datetime, now: datetime | None = None
) -> Booking:
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
        details=patient,
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
    details: PatientDetails | None = None,
    off_grid: bool = False,
    resources: Pinned | None = None,
    **fields,
) -> Booking:
    """Insert a blocking booking for the first free practitioner the database lets have the time, with the
    units the type needs, for the patient `details` name (a patient's own hold names nobody yet); `admit`,
    if given, runs first in the insert's transaction and raises to refuse it."""
    if details is not None:
        fields.update(details.as_fields(), intake_answers=details.answers_kept)
    reason = OFF_GRID if off_grid else ""
    blocked = None
    # Checked outside the write transaction, so SQLite's single write lock is held only for the write:
    # if someone takes the time in between, the database's guards refuse our insert and we try the next
    # practitioner, or read the units afresh.
    for _ in range(UNIT_ATTEMPTS):
        slot, bookable, offers = available(requested, now=now, off_grid=off_grid, resources=resources)
        blocked = bookable.rules.blocked(slot)
        units_taken = False
        for candidate, assignment in offers:
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
            insert = partial(_insert, booking, kind, by, via, now, blocked, admit, details, reason, assignment)
            try:
                in_transaction(insert, restoring=booking)
            except IntegrityError as error:
                if guards.is_resource_overlap(error):
                    units_taken = True
                    break
                if guards.is_overlap(error) or guards.is_session_full(error):
                    continue
                raise
            return booking
        if not units_taken:
            break
    raise SlotUnavailable(TAKEN_MEANWHILE)


def _insert(
    booking: Booking,
    kind: str,
    by: Actor,
    via: str,
    now: datetime,
    blocked: Span,
    admit: Callable | None,
    details: PatientDetails | None,
    reason: str,
    assignment: Assignment,
) -> None:
    if admit is not None:
        admit(now)
    if details is not None:
        booking.patient = patients.patient_for(details)
    guards.queue_for_times(connection, booking.practitioner_id, units_of(assignment))
    # A hold that lapsed stopped blocking at once, but its row keeps the time until it is marked expired.
    expire_lapsed_holds_on(booking.practitioner, blocked, now)
    if booking.appointment_type.is_group:
        booking.session = session_at(booking)
    # Saved first: on PostgreSQL the seat's guard takes the session's lock, so the seats before it are
    # committed and their units visible when this one reads them.
    booking.save(force_insert=True)
    assignment = seat_units(booking, assignment)
    expire_lapsed_holds_on_units(assignment, blocked, now)
    claim_units(booking, assignment)
    changes = created_changes(booking)
    if assignment:
        changes["resources"] = [None, held_units(assignment)]
    record(booking, kind, by=by, via=via, now=now, reason=reason, changes=changes)


def held_units(assignment: Assignment) -> dict[str, list[str]]:
    """Units as the history and the API show them: {pool: [units]}, by slug."""
    return {pool: sorted(slugs) for pool, slugs in sorted(assignment.items())}


def session_at(booking: Booking) -> GroupSession:
    """The group session a seat booking joins: the one under way at its time with its practitioner, or a
    new one (two first seats at once: the unique constraint lets one create it, the other finds it)."""
    session, _ = GroupSession.objects.get_or_create(
        appointment_type=booking.appointment_type,
        practitioner=booking.practitioner,
        starts_at=booking.starts_at,
        defaults={"ends_at": booking.ends_at, "capacity": booking.appointment_type.capacity},
    )
    return session


def seat_units(booking: Booking, assignment: Assignment) -> Assignment:
    """The units a booking takes: for a seat, those its session's other live seats hold, read inside the
    write after the seat itself (a seat that committed meanwhile chose them); else `assignment`."""
    if booking.session_id is None:
        return assignment
    # The session's lock (as the seats' guard takes it on PostgreSQL): seats joining at once read in turn.
    GroupSession.objects.select_for_update().filter(pk=booking.session_id).first()
    held: dict[str, set[str]] = {}
    rows = ResourceClaim.objects.filter(session_id=booking.session_id, status__in=Booking.BLOCKING)
    rows = rows.exclude(booking=booking)
    for pool, unit in rows.values_list("pool__slug", "resource__slug").order_by():
        held.setdefault(pool, set()).add(unit)
    return {pool: tuple(sorted(found)) for pool, found in held.items()} if held else assignment


def claim_units(booking: Booking, assignment: Assignment) -> None:
    """The booking's claims on its units, one row each; the database refuses one that overlaps."""
    if assignment:
        ResourceClaim.objects.bulk_create(units.new_claims(booking, assignment, reference_data().resources))


def expire_lapsed_holds_on(practitioner: Practitioner, blocked: Span, now: datetime) -> None:
    """Holds that lapsed but still sit on `blocked` are marked expired, so the time can be taken."""
    lapsed = Booking.objects.stale_holds(now).filter(practitioner=practitioner).overlapping(blocked.start, blocked.end)
    for held in lapsed:
        expire_hold(held, now)


def expire_lapsed_holds_on_units(assignment: Assignment, blocked: Span, now: datetime) -> None:
    """The same for lapsed holds whose claims sit on the units a booking is about to take."""
    if not assignment:
        return
    data = reference_data().resources
    wanted = [data.units[slug] for slugs in assignment.values() for slug in slugs]
    reach = max((units.claim_span(blocked, unit) for unit in wanted), key=lambda span: span.end)
    lapsed = Booking.objects.stale_holds(now).filter(
        resource_claims__resource_id__in=[unit.pk for unit in wanted],
        resource_claims__blocked_from__lt=reach.end,
        resource_claims__blocked_until__gt=reach.start,
    )
    for held in lapsed.distinct():
        expire_hold(held, now)
