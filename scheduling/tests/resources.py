"""Rooms, machines, group sessions and their claims for tests.

For the staff's tools: units, and a booking given a claim row per unit as the engine writes them. For the
interfaces (API, booking page, admin, waitlist): a pool of two treatment rooms and a type needing one, and a
class of three seats."""

from __future__ import annotations

from datetime import timedelta

from scheduling.models import AppointmentType, Booking, Resource, ResourceClaim, ResourcePool, ResourceRequirement

ROOMS = "treatment-rooms"


def units(pool_slug: str, *slugs: str, turnover: int = 0, kind: str = "room") -> ResourcePool:
    """A pool of new units named after their slugs ('room-1' -> 'Room 1')."""
    pool = ResourcePool.objects.create(slug=pool_slug, name=pool_slug.replace("-", " ").capitalize())
    for slug in slugs:
        unit = Resource.objects.create(
            slug=slug, name=slug.replace("-", " ").capitalize(), kind=kind, turnover_minutes=turnover
        )
        pool.members.add(unit)
    return pool


def claim(booking: Booking, unit: Resource | str, pool: ResourcePool | str) -> ResourceClaim:
    """The booking's claim of one unit for one pool: its blocked time and the unit's turnover."""
    unit = unit if isinstance(unit, Resource) else Resource.objects.get(slug=unit)
    pool = pool if isinstance(pool, ResourcePool) else ResourcePool.objects.get(slug=pool)
    return ResourceClaim.objects.create(
        booking=booking,
        resource=unit,
        pool=pool,
        session=booking.session,
        blocked_from=booking.blocked_from,
        blocked_until=booking.blocked_until + timedelta(minutes=unit.turnover_minutes),
        status=booking.status,
    )


def units_of(booking: Booking) -> list[str]:
    return sorted(ResourceClaim.objects.filter(booking=booking).values_list("resource__slug", flat=True))


def seats(appointment_type, practitioner, starts_at, names: list[str], *, capacity: int = 12) -> list[Booking]:
    """A group session and one confirmed seat per name, written as the engine will write them."""
    from scheduling.models import GroupSession

    ends_at = starts_at + appointment_type.duration
    session = GroupSession.objects.create(
        appointment_type=appointment_type,
        practitioner=practitioner,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
    )
    return [
        Booking.objects.create(
            practitioner=practitioner,
            appointment_type=appointment_type,
            session=session,
            patient_name=name,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_from=starts_at,
            blocked_until=ends_at,
        )
        for name in names
    ]


def treatment_rooms() -> list[Resource]:
    """Room 1 and Room 2, the members of the pool `treatment-rooms`."""
    pool = ResourcePool.objects.create(slug=ROOMS, name="Treatment rooms")
    made = [Resource.objects.create(slug=f"room-{n}", name=f"Room {n}") for n in (1, 2)]
    pool.members.set(made)
    return made


def type_in_a_room(slug="massage", name="Massage") -> AppointmentType:
    """A 30-minute type that needs one treatment room (the pool must exist)."""
    made = AppointmentType.objects.create(slug=slug, name=name, duration_minutes=30)
    ResourceRequirement.objects.create(appointment_type=made, pool=ResourcePool.objects.get(slug=ROOMS))
    return made


def group_type(slug="pilates", name="Pilates class", capacity=3) -> AppointmentType:
    """A one-hour class of `capacity` seats."""
    return AppointmentType.objects.create(slug=slug, name=name, duration_minutes=60, capacity=capacity)
