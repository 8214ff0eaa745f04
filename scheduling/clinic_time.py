"""Clinic time: the one place that knows the clinic's zone (`CLINIC_TIME_ZONE`).

Instants are stored and compared in UTC; patients and staff speak in the clinic's wall clock. Everything
that turns one into the other asks here, so a second zone (per practitioner, per clinic) would change
this module alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from scheduling import slots

WALL_CLOCK = "%H:%M"


def zone() -> ZoneInfo:
    return timezone.get_default_timezone()


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(timezone=zone())


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, zone())


def for_staff(moment: datetime | None, *, seconds: bool = False) -> str:
    """How the admin shows an instant: 'Wed 2026-11-25 09:20' on the clinic's clock; '-' for none."""
    if moment is None:
        return "-"
    return local(moment).strftime("%a %Y-%m-%d %H:%M:%S" if seconds else "%a %Y-%m-%d %H:%M")


def local_date(moment: datetime) -> date:
    return local(moment).date()


def wall_clock(moment: datetime) -> str:
    """HH:MM on the clinic's clock."""
    return local(moment).strftime(WALL_CLOCK)


def at(day: date, wall_time: time) -> datetime:
    """The instant a wall-clock time on a local day names (past the gap when clocks skip it)."""
    return slots.instant(day, wall_time, zone())


def exists(day: date, wall_time: time) -> bool:
    """False for the wall-clock times the clocks skip on `day`."""
    return slots.wall_time_exists(day, wall_time, zone())


def days(first_day: date, last_day: date) -> slots.Span:
    """From local midnight starting `first_day` to local midnight ending `last_day`."""
    return slots.day_span(first_day, last_day, zone())


def opening_spans(day: date, hours: Iterable[tuple[time, time]]) -> list[slots.Span]:
    return slots.open_spans(day, hours, zone())


def candidate_slots(spans: Iterable[slots.Span], rules: slots.SlotRules) -> list[slots.Span]:
    return slots.candidate_slots(spans, rules, zone())


def days_between(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def nearest(spans: Iterable[slots.Span], asked: datetime, count: int) -> list[slots.Span]:
    """The `count` spans starting nearest the wall-clock time `asked` (naive, the clinic's), in order of
    start: those on its day first, then the nearest on other days. Nearness is on the wall clock, so a
    clock change between does not make a time look an hour nearer or further than the patient sees it."""

    def distance(span: slots.Span) -> tuple[bool, timedelta, datetime]:
        start = local(span.start).replace(tzinfo=None)
        return start.date() != asked.date(), abs(start - asked), span.start

    return sorted(sorted(spans, key=distance)[:count])
