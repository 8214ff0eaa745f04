"""Rooms' and machines' calendars read from the database as plain spans, and the units a slot can take.

What staff configure (units, pools, requirements, hours, time off) comes with the cached reference data
(`ResourceData`); the claims are read per request, in one query whatever the number of units. The matching
itself is `scheduling.slots.units`, over plain values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q

from scheduling import clinic_time, guards
from scheduling.models import (
    AppointmentType,
    Booking,
    Resource,
    ResourceClaim,
    ResourcePool,
    ResourceRequirement,
    ResourceTimeOff,
)
from scheduling.rules import BookingRuleBroken
from scheduling.slots import Span, SpanIndex
from scheduling.slots.units import Assignment, Need, assign

Hours = dict[int, list[tuple]]  # weekday -> (opens, closes) intervals


@dataclass(frozen=True)
class Unit:
    """One active unit as the engine needs it."""

    pk: int
    slug: str
    name: str
    turnover: timedelta
    hours: Hours | None  # None: no hours of its own, available whenever the clinic is

    @classmethod
    def of(cls, resource: Resource) -> Unit:
        """A unit as the engine sees it, from its row (its `hours` prefetched, or read here)."""
        hours: Hours = defaultdict(list)
        for interval in sorted(resource.hours.all(), key=lambda h: h.opens_at):
            hours[interval.weekday].append((interval.opens_at, interval.closes_at))
        turnover = timedelta(minutes=resource.turnover_minutes)
        return cls(resource.pk, resource.slug, resource.name, turnover, dict(hours) if hours else None)


@dataclass(frozen=True)
class ResourceData:
    """Active units, pools (slug -> active members' slugs), each type's needs and units' time off to come."""

    units: dict[str, Unit] = field(default_factory=dict)
    pools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pool_pks: dict[str, int] = field(default_factory=dict)
    needs: dict[int, tuple[Need, ...]] = field(default_factory=dict)  # appointment type id -> needs
    time_off: dict[str, list[Span]] = field(default_factory=dict)

    @classmethod
    def load(cls, since: datetime) -> ResourceData:
        requirements = list(ResourceRequirement.objects.select_related("pool").order_by("pool__slug"))
        if not requirements:  # no type needs a unit: nothing else here is read (one query for most clinics)
            return cls()
        active = Resource.objects.filter(is_active=True).prefetch_related("hours").order_by("slug")
        units = {resource.slug: Unit.of(resource) for resource in active}
        slug_of = {unit.pk: unit.slug for unit in units.values()}
        pools: dict[str, list[str]] = {}
        pool_pks = {}
        for pool in ResourcePool.objects.prefetch_related("members").order_by("slug"):
            pools[pool.slug] = tuple(sorted(slug_of[m.pk] for m in pool.members.all() if m.pk in slug_of))
            pool_pks[pool.slug] = pool.pk
        needs: dict[int, list[Need]] = defaultdict(list)
        for requirement in requirements:
            slug = requirement.pool.slug
            needs[requirement.appointment_type_id].append(Need(slug, requirement.quantity, pools[slug]))
        time_off: dict[str, list[Span]] = defaultdict(list)
        for pk, starts_at, ends_at in ResourceTimeOff.objects.filter(ends_at__gte=since).values_list(
            "resource_id", "starts_at", "ends_at"
        ):
            if pk in slug_of:
                time_off[slug_of[pk]].append(Span(starts_at, ends_at))
        return cls(
            units=units,
            pools=pools,
            pool_pks=pool_pks,
            needs={pk: tuple(n) for pk, n in needs.items()},
            time_off=dict(time_off),
        )

    def needs_of(self, appointment_type: AppointmentType) -> tuple[Need, ...]:
        return self.needs.get(appointment_type.pk, ())

    def check_pinned(self, appointment_type: AppointmentType, pinned: Mapping[str, tuple[str, ...]]) -> None:
        """BookingRuleBroken naming `resources` unless each pool is one the type needs, each unit an active
        member of it, and no more units are named than the pool's quantity."""
        needed = {need.pool: need for need in self.needs_of(appointment_type)}
        for pool, named in pinned.items():
            if pool not in needed:
                known = f"its pools are {', '.join(sorted(needed))}" if needed else "it needs no room or equipment"
                raise BookingRuleBroken(
                    f"'{pool}' is not a pool {appointment_type.name} needs: {known}.",
                    field="resources",
                    code="unknown_resource",
                )
            for unit in named:
                if unit not in self.units:
                    raise BookingRuleBroken(
                        f"No active room or equipment '{unit}'.", field="resources", code="unknown_resource"
                    )
                if unit not in needed[pool].members:
                    raise BookingRuleBroken(
                        f"'{unit}' is not in pool '{pool}'.", field="resources", code="resource_not_in_pool"
                    )
            if len(set(named)) > needed[pool].quantity:
                raise BookingRuleBroken(
                    f"{appointment_type.name} takes {needed[pool].quantity} of pool '{pool}': name at most that many.",
                    field="resources",
                    code="invalid",
                )


def pinned_units(resources: Mapping[str, str | Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    """Staff's choice of units as {pool: (units)}, whether each pool names one unit or a list of them."""
    return {pool: (units,) if isinstance(units, str) else tuple(units) for pool, units in (resources or {}).items()}


def claim_span(blocked: Span, unit: Unit) -> Span:
    """The time a claim of `unit` keeps: the booking's blocked time, then the unit's turnover."""
    return Span(blocked.start, blocked.end + unit.turnover)


@dataclass
class UnitCalendars:
    """The units one type needs, over some days: their hours, time away and claims, as plain spans."""

    needs: tuple[Need, ...]
    units: dict[str, Unit]
    closed: dict[str, SpanIndex]
    busy: dict[str, SpanIndex]
    minutes: dict[tuple[str, date], int]  # blocked minutes per unit and local day, for assignment order
    session_units: dict[int, Assignment]  # group session id -> the units its live seats hold
    stale_at: datetime | None = None
    # Answers already found: a slot's units are the same whichever practitioner asks.
    _answers: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        data: ResourceData,
        appointment_type: AppointmentType,
        reach: Span,
        closures: Iterable[Span],
        *,
        now: datetime,
        ignoring: Booking | None = None,
    ) -> UnitCalendars:
        needs = data.needs_of(appointment_type)
        slugs = sorted({unit for need in needs for unit in need.members})
        units = {slug: data.units[slug] for slug in slugs}
        closures = list(closures)
        closed = {slug: SpanIndex([*closures, *data.time_off.get(slug, ())]) for slug in slugs}
        busy: dict[str, list[Span]] = {slug: [] for slug in slugs}
        minutes: dict[tuple[str, date], int] = defaultdict(int)
        session_units: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        stale_at = None
        slug_of = {unit.pk: unit.slug for unit in units.values()}
        pool_slug = {pk: slug for slug, pk in data.pool_pks.items()}
        for pk, pool, session, start, end, expires in _claims(list(slug_of), reach, now, ignoring):
            slug = slug_of[pk]
            busy[slug].append(Span(start, end))
            minutes[(slug, clinic_time.local_date(start))] += int((end - start).total_seconds() // 60)
            if session is not None:
                session_units[session][pool_slug.get(pool, "")].append(slug)
            if expires and (stale_at is None or expires < stale_at):
                stale_at = expires
        return cls(
            needs=needs,
            units=units,
            closed=closed,
            busy={slug: SpanIndex(spans) for slug, spans in busy.items()},
            minutes=dict(minutes),
            session_units={
                session: {pool: tuple(sorted(set(found))) for pool, found in held.items()}
                for session, held in session_units.items()
            },
            stale_at=stale_at,
        )

    def free_units(self, slot: Span, blocked: Span) -> set[str]:
        """The units free for a booking of `slot` (blocked time `blocked`), each with its turnover after."""
        day = clinic_time.local_date(slot.start)
        return {
            slug
            for slug, unit in self.units.items()
            if within_hours(unit, day, slot)
            and not self.closed[slug].overlaps(slot)
            and not self.busy[slug].overlaps(claim_span(blocked, unit))
        }

    def assignment(
        self,
        slot: Span,
        blocked: Span,
        *,
        pinned: Mapping[str, tuple[str, ...]] | None = None,
        keep: Iterable[str] = (),
        taken: Iterable[str] = (),
    ) -> Assignment | None:
        """The units a booking of `slot` takes: in each pool those of `keep` first (a booking that moves
        keeps its units when it can), then the fewest blocked minutes that day, then by slug. `taken`:
        units another booking in the same answer already took."""
        if not self.needs:
            return {}
        key = (slot, blocked, tuple(sorted((pinned or {}).items())), frozenset(keep), frozenset(taken))
        if key not in self._answers:
            day = clinic_time.local_date(slot.start)
            kept = set(keep)
            free = self.free_units(slot, blocked) - set(taken)
            self._answers[key] = assign(
                self.needs,
                free,
                preference=lambda slug: (slug not in kept, self.minutes.get((slug, day), 0), slug),
                pinned=pinned,
            )
        return self._answers[key]


def within_hours(unit: Unit, day: date, slot: Span) -> bool:
    """Whether `slot` lies inside one of the unit's intervals that day (any time, for a unit without hours)."""
    if unit.hours is None:
        return True
    spans = clinic_time.opening_spans(day, unit.hours.get(day.weekday(), ()))
    return any(span.start <= slot.start and slot.end <= span.end for span in spans)


def _claims(unit_pks: list[int], reach: Span, now: datetime, ignoring: Booking | None) -> list[tuple]:
    """`(unit pk, pool pk, session id, blocked_from, blocked_until, hold_expires_at)` of the claims on these
    units that block at `now` and overlap `reach` (read within guards.MAX_BLOCKED_DAYS before it)."""
    if not unit_pks:
        return []
    earliest = reach.start - timedelta(days=guards.MAX_BLOCKED_DAYS)
    claims = (
        ResourceClaim.objects.filter(
            resource_id__in=unit_pks,
            status__in=Booking.BLOCKING,
            blocked_from__lt=reach.end,
            blocked_from__gt=earliest,
            blocked_until__gt=reach.start,
        )
        .exclude(Q(status=Booking.Status.HELD) & Q(booking__hold_expires_at__lte=now))
        .order_by()
    )
    if ignoring is not None:
        claims = claims.exclude(booking_id=ignoring.pk)
    return list(
        claims.values_list(
            "resource_id", "pool_id", "session_id", "blocked_from", "blocked_until", "booking__hold_expires_at"
        )
    )


def booking_resources(booking: Booking) -> dict[str, list[str]]:
    """{pool slug: [unit slugs]} of the units a booking holds (whatever its status: what it held)."""
    held: dict[str, list[str]] = defaultdict(list)
    claims = booking.resource_claims.select_related("pool", "resource").order_by("pool__slug", "resource__slug")
    for claim in claims:
        held[claim.pool.slug].append(claim.resource.slug)
    return dict(held)


def new_claims(booking: Booking, assignment: Assignment, data: ResourceData) -> list[ResourceClaim]:
    """The claim rows of `booking` (saved, with its blocked time) on the units of `assignment`."""
    blocked = Span(booking.blocked_from, booking.blocked_until)
    return [
        ResourceClaim(
            booking=booking,
            resource_id=data.units[slug].pk,
            pool_id=data.pool_pks[pool],
            session_id=booking.session_id,
            blocked_from=blocked.start,
            blocked_until=claim_span(blocked, data.units[slug]).end,
            status=booking.status,
        )
        for pool, slugs in assignment.items()
        for slug in slugs
    ]
