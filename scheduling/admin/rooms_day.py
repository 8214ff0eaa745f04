"""The day schedule's rooms view: a column per room or machine, each claim drawn in its unit's column at
its booking's time with the type and practitioner, the unit's turnover after it drawn lighter. A group
session is one block, however many seats. Pure layout over plain values; the view loads the claims.

No patient is shown here (a room's day is who uses it when, not for whom), so nothing is logged as read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduling import clinic_time
from scheduling.models import Resource, ResourceClaim

# The hours drawn unless a claim falls outside them.
FIRST_HOUR, LAST_HOUR = 8, 18


@dataclass(frozen=True)
class Block:
    """One claim (or one session's), as a share of the column's height from its top, in per cent."""

    top: float
    height: float
    turnover: float  # the lighter part after it
    starts_at: datetime
    ends_at: datetime
    label: str  # the type, and for a session its seats
    practitioner: str
    booking_pk: int | None  # linked when the staff member reaches the booking

    @property
    def turnover_top(self) -> float:
        return round(self.top + self.height, 3)


@dataclass(frozen=True)
class Column:
    unit: Resource
    blocks: list[Block]


@dataclass(frozen=True)
class Layout:
    columns: list[Column]
    hours: list[tuple[str, float]]  # ("09:00", per cent from the top)


def _window(day: date, claims: list[ResourceClaim]) -> tuple[datetime, datetime]:
    start = clinic_time.local(clinic_time.days(day, day).start).replace(hour=FIRST_HOUR)
    end = start.replace(hour=LAST_HOUR)
    for claim in claims:
        start = min(start, clinic_time.local(claim.blocked_from).replace(minute=0, second=0, microsecond=0))
        end = max(end, clinic_time.local(claim.blocked_until))
    day_start = clinic_time.days(day, day)
    return max(start, day_start.start), min(end, day_start.end)


def layout(day: date, units: list[Resource], claims: list[ResourceClaim], reached: set[int]) -> Layout:
    """Columns for `units` (in order), with their claims of the day; `reached` are the pks of bookings this
    staff member may open. Claims arrive with booking, type and practitioner loaded."""
    first, last = _window(day, claims)
    total = (last - first).total_seconds()

    def share(moment: datetime) -> float:
        return round(100 * (max(first, min(last, moment)) - first).total_seconds() / total, 3)

    by_unit: dict[int, list[Block]] = {unit.pk: [] for unit in units}
    drawn: set[tuple[int, int]] = set()
    seats = Counter((c.resource_id, c.session_id) for c in claims if c.session_id)
    for claim in sorted(claims, key=lambda c: (c.blocked_from, c.pk)):
        booking = claim.booking
        if claim.resource_id not in by_unit:
            continue
        if claim.session_id:
            if (claim.resource_id, claim.session_id) in drawn:
                continue
            drawn.add((claim.resource_id, claim.session_id))
            taken = seats[(claim.resource_id, claim.session_id)]
            label = f"{booking.appointment_type.name}: {taken} of {claim.session.capacity} seats"
        else:
            label = booking.appointment_type.name
        top, end, freed = share(claim.blocked_from), share(booking.blocked_until), share(claim.blocked_until)
        by_unit[claim.resource_id].append(
            Block(
                top=top,
                height=round(end - top, 3),
                turnover=round(freed - end, 3),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                label=label,
                practitioner=booking.practitioner.name,
                booking_pk=booking.pk if booking.pk in reached and not claim.session_id else None,
            )
        )
    hours = []
    mark = first.replace(minute=0, second=0, microsecond=0)
    if mark < first:
        mark += timedelta(hours=1)
    while mark < last:
        hours.append((f"{mark:%H:%M}", share(mark)))
        mark = clinic_time.local(mark + timedelta(hours=1))
    return Layout([Column(unit, by_unit[unit.pk]) for unit in units], hours)


__all__ = ["Block", "Column", "Layout", "layout"]
