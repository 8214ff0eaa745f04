"""Which units (rooms, machines) a booking takes: distinct units for each requirement, over plain values.

A type needs `quantity` units of each of its pools; pools may share members (a large room that is also a
treatment room), so picking greedily could strand a requirement that another order would fill. Each needed
unit is matched to a free member of its pool along augmenting paths (Kuhn's algorithm): if any assignment
exists, one is found. Members are tried in the caller's preference order, so the answer is the preferred one
whenever preferences do not conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    """`quantity` distinct units among `members` of pool `pool`."""

    pool: str
    quantity: int
    members: tuple[str, ...]


Assignment = dict[str, tuple[str, ...]]  # pool -> the units it takes


def assign(
    needs: Sequence[Need],
    free: Collection[str],
    *,
    preference: Callable[[str], object] = lambda unit: unit,
    pinned: Mapping[str, Sequence[str]] | None = None,
) -> Assignment | None:
    """Distinct free units for every need, each pool's in preference order; None if no assignment exists.

    `pinned` names units per pool that must be among that pool's units (staff's choice); a pinned unit
    that is not free or not a member, or more pinned than the pool's quantity, means no assignment.
    """
    pinned = pinned or {}
    seats: list[tuple[str, tuple[str, ...]]] = []  # one per unit needed: (pool, the units it may take)
    for need in needs:
        ordered = tuple(sorted((unit for unit in need.members if unit in free), key=preference))
        wanted = tuple(dict.fromkeys(pinned.get(need.pool, ())))
        if len(wanted) > need.quantity or any(unit not in ordered for unit in wanted):
            return None
        seats.extend((need.pool, (unit,)) for unit in wanted)
        seats.extend((need.pool, ordered) for _ in range(need.quantity - len(wanted)))
    holder: dict[str, int] = {}  # unit -> the seat holding it

    def place(seat: int, visited: set[str]) -> bool:
        for unit in seats[seat][1]:
            if unit in visited:
                continue
            visited.add(unit)
            if unit not in holder or place(holder[unit], visited):
                holder[unit] = seat
                return True
        return False

    # Pinned seats first, so that no other seat takes a pinned unit while it could take another.
    for seat in sorted(range(len(seats)), key=lambda s: len(seats[s][1]) != 1):
        if not place(seat, set()):
            return None
    taken: dict[str, list[str]] = {need.pool: [] for need in needs}
    for unit, seat in holder.items():
        taken[seats[seat][0]].append(unit)
    return {pool: tuple(sorted(units, key=preference)) for pool, units in taken.items()}


def units_of(assignment: Assignment) -> set[str]:
    return {unit for units in assignment.values() for unit in units}


def without(free: Iterable[str], assignment: Assignment) -> set[str]:
    """The free units left once `assignment` took its own."""
    return set(free) - units_of(assignment)
