"""What taking a room or machine out of use does to the bookings that claim it: a unit made inactive, or
given time off, over bookings still to come.

`affected` lists the claims the change hits (blocking bookings not yet over); `proposed_moves` finds, for
each, another free active unit of the same pool over the claim's time (its hours, its time off, the other
claims, and the moves proposed before it); `apply` saves the change and moves every claim in one
transaction, or changes nothing and raises `ResourceInUse` listing the bookings (and those that cannot
move). The admin and the staff API both come here, so they cannot disagree on what a change hits.

A moved claim keeps its booking and its pool; only its unit changes, and its blocked time is the booking's
extended by the new unit's turnover. Seats of one group session move together, to one unit. The booking's
history gets no event: a unit is the clinic's arrangement, not the patient's appointment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from scheduling import cache, clinic_time, guards, units
from scheduling.models import Booking, Resource, ResourceClaim, ResourceTimeOff
from scheduling.rules import BookingError
from scheduling.slots import Span


@dataclass(frozen=True)
class ResourceChange:
    """A unit taken out of use from now on (`away` None), or over the span `away`; and how to save it."""

    resource: Resource
    save: Callable[[], object]
    away: Span | None = None

    @classmethod
    def deactivation(cls, resource: Resource) -> ResourceChange:
        def save():
            resource.is_active = False
            resource.save(update_fields=["is_active"])

        return cls(resource, save)

    @classmethod
    def time_off(cls, time_off: ResourceTimeOff, save: Callable[[], object] | None = None) -> ResourceChange:
        return cls(time_off.resource, save or time_off.save, Span(time_off.starts_at, time_off.ends_at))


@dataclass(frozen=True)
class Move:
    """One booking's claim on the unit (or every seat's claim of one session), and the unit it can move to:
    None when no unit of the pool is free then."""

    claims: tuple[ResourceClaim, ...]
    to: Resource | None

    @property
    def booking(self) -> Booking:
        return self.claims[0].booking

    @property
    def bookings(self) -> list[Booking]:
        return [claim.booking for claim in self.claims]


class ResourceInUse(BookingError):
    """The change hits bookings still to come, and staff did not ask to move them, or some cannot move:
    nothing was changed. `claims` are every claim hit, `stuck` those with no free unit to move to."""

    code = "resource_in_use"

    def __init__(self, resource: Resource, claims: list[ResourceClaim], stuck: list[ResourceClaim] | None = None):
        self.claims, self.stuck = claims, stuck or []
        count = len(self.stuck or claims)
        plural = "s" if count != 1 else ""
        if self.stuck:
            message = (
                f"{count} booking{plural} on {resource.name} cannot move to another free unit of the same pool "
                "then; nothing was changed."
            )
        else:
            message = (
                f"{resource.name} is booked for {count} booking{plural} still to come: move them to another "
                "free unit of the same pool (reassign), or change nothing."
            )
        super().__init__(message, field="resources", code=self.code)


class ResourceChangeRaced(BookingError):
    """A booking took the unit a move was going to (the database's guard said no): nothing was changed."""

    code = "resource_taken"


def claim_span(booking: Booking, unit: Resource) -> Span:
    """The time a claim of `booking` on `unit` blocks: the booking's, and the unit's turnover after it."""
    return units.claim_span(Span(booking.blocked_from, booking.blocked_until), units.Unit.of(unit))


def affected(change: ResourceChange, now: datetime) -> list[ResourceClaim]:
    """The unit's claims of bookings blocking at `now` and not yet over that the change hits, by start."""
    claims = (
        ResourceClaim.objects.filter(resource=change.resource, status__in=Booking.BLOCKING, blocked_until__gt=now)
        .exclude(status=Booking.Status.HELD, booking__hold_expires_at__lte=now)
        .select_related("booking__practitioner", "booking__appointment_type", "pool", "resource")
    )
    if change.away is not None:
        claims = claims.filter(blocked_from__lt=change.away.end, blocked_until__gt=change.away.start)
    return list(claims.order_by("blocked_from", "pk"))


def _owner(claim: ResourceClaim) -> tuple[str, int]:
    """Seats of one session share their units; any other claim is its booking's own."""
    return ("session", claim.session_id) if claim.session_id else ("booking", claim.booking_id)


def _fits_hours(unit: Resource, booking: Booking) -> bool:
    """A unit with weekly hours takes only appointments inside one of that day's intervals."""
    day = clinic_time.local_date(booking.starts_at)
    return units.within_hours(units.Unit.of(unit), day, Span(booking.starts_at, booking.ends_at))


def proposed_moves(change: ResourceChange, claims: list[ResourceClaim], now: datetime) -> list[Move]:
    """A move per booking (per session, for seats) the change hits, in order of start. Reads the pools'
    other active units with their hours, time off and claims over the time hit: a few queries in all."""
    groups: dict[tuple[str, int], list[ResourceClaim]] = defaultdict(list)
    for claim in claims:
        groups[_owner(claim)].append(claim)
    if not groups:
        return []
    pools = {claim.pool_id for claim in claims}
    units = list(
        Resource.objects.filter(pools__in=pools, is_active=True)
        .exclude(pk=change.resource.pk)
        .prefetch_related("hours", "pools")
        .distinct()
    )
    start = min(claim.blocked_from for claim in claims)
    end = max(claim.booking.blocked_until for claim in claims) + timedelta(days=1)  # any unit's turnover fits
    unit_ids = [unit.pk for unit in units]
    away = defaultdict(list)
    for row in ResourceTimeOff.objects.filter(resource__in=unit_ids, starts_at__lt=end, ends_at__gt=start):
        away[row.resource_id].append(Span(row.starts_at, row.ends_at))
    # What each unit's time is taken by, and whose: (span, owner, booking id).
    taken: dict[int, list[tuple[Span, tuple[str, int], int]]] = defaultdict(list)
    others = (
        ResourceClaim.objects.filter(resource__in=unit_ids, status__in=Booking.BLOCKING)
        .exclude(status=Booking.Status.HELD, booking__hold_expires_at__lte=now)
        .filter(blocked_from__lt=end, blocked_until__gt=start)
    )
    for other in others:
        span = Span(other.blocked_from, other.blocked_until)
        taken[other.resource_id].append((span, _owner(other), other.booking_id))

    moves = []
    for owner, hit in groups.items():
        booked = {claim.booking_id for claim in hit}
        destination = None
        for unit in units:
            if hit[0].pool_id not in {pool.pk for pool in unit.pools.all()}:
                continue
            spans = [claim_span(claim.booking, unit) for claim in hit]
            if any(other_booking in booked for _, _, other_booking in taken[unit.pk]):
                continue  # a booking claims each unit once: it holds this one already, for another need
            if any(s.overlaps(t) for s in spans for t, other, _ in taken[unit.pk] if other != owner):
                continue
            if any(s.overlaps(t) for s in spans for t in away[unit.pk]):
                continue
            if not all(_fits_hours(unit, claim.booking) for claim in hit):
                continue
            destination = unit
            taken[unit.pk] += [(span, owner, claim.booking_id) for span, claim in zip(spans, hit, strict=True)]
            break
        moves.append(Move(tuple(hit), destination))
    return moves


@dataclass(frozen=True)
class Applied:
    saved: object
    moves: list[Move]


def apply(change: ResourceChange, *, reassign: bool, now: datetime | None = None) -> Applied:
    """Save the change and, when `reassign`, move every claim it hits, in one transaction. ResourceInUse
    (bookings hit and no reassign; or some cannot move) and ResourceChangeRaced leave everything as it was."""
    now = now or clinic_time.now()
    try:
        with transaction.atomic():
            # Bookings made meanwhile wait for this row on PostgreSQL; SQLite has one writer at a time anyway.
            Resource.objects.select_for_update().filter(pk=change.resource.pk).first()
            claims = affected(change, now)
            if claims and not reassign:
                raise ResourceInUse(change.resource, claims)
            moves = proposed_moves(change, claims, now)
            stuck = [claim for move in moves if move.to is None for claim in move.claims]
            if stuck:
                raise ResourceInUse(change.resource, claims, stuck)
            for move in moves:
                for claim in move.claims:
                    claim.resource = move.to
                    claim.blocked_until = claim_span(claim.booking, move.to).end
                    claim.save(update_fields=["resource", "blocked_until"])
            saved = change.save()
    except IntegrityError as error:
        if guards.is_resource_overlap(error):
            raise ResourceChangeRaced(
                "Another booking took a unit a move was going to; nothing was changed. Try again.",
                field="resources",
            ) from None
        raise
    if moves:
        cache.changed(cache.BOOKINGS)  # the units' busy times moved: cached open days are stale
    return Applied(saved, moves)


def describe(booking: Booking) -> str:
    """'Wed 2026-12-09 10:00, Dr Rao, Consultation (bk_…)': how staff lists name a booking a change hits."""
    return (
        f"{clinic_time.for_staff(booking.starts_at)}, {booking.practitioner.name}, "
        f"{booking.appointment_type.name} ({booking.reference})"
    )


__all__ = [
    "Applied",
    "Move",
    "ResourceChange",
    "ResourceChangeRaced",
    "ResourceInUse",
    "affected",
    "apply",
    "claim_span",
    "describe",
    "proposed_moves",
]
