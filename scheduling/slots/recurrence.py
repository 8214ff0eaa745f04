"""The dates and instants of a weekly course of treatment, in the clinic's wall time.

Occurrences are counted on local dates at one local time, then made instants, so 09:00 stays 09:00 across
clock changes. A time the clocks skip that day has no instant (`start` is None); a time that happens twice
(clocks going back) takes the earlier instant, as every other booking does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from scheduling.slots.wall_clock import instant, wall_time_exists

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Occurrence:
    """The `index`th visit (from 1) on local `day` at `wall_time`; `start` is None if the clocks skip it."""

    index: int
    day: date
    wall_time: time
    start: datetime | None


@dataclass(frozen=True)
class Recurrence:
    """Every `interval` weeks on `weekdays` (ISO numbers, Monday 1) at `wall_time`, from `first_day` on,
    `count` times or up to `until`. Weeks start on Monday, as RFC 5545's default WKST."""

    first_day: date
    weekdays: tuple[int, ...]
    wall_time: time
    interval: int = 1
    count: int | None = None
    until: date | None = None

    def days(self) -> Iterator[date]:
        """Every local date of the pattern from `first_day` to the calendar's end (`count` and `until` ignored)."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        offsets = sorted(weekday - 1 for weekday in set(self.weekdays))
        while monday <= date.max - timedelta(days=7 * self.interval + 7):  # the calendar's end, year 9999
            for offset in offsets:
                day = monday + timedelta(days=offset)
                if day >= self.first_day:
                    yield day
            monday += self.interval * WEEK

    def dates(self) -> list[date]:
        """The course's dates: the first `count`, or those up to `until`."""
        if self.count is not None:
            return list(islice(self.days(), self.count))
        found = []
        for day in self.days():
            if day > self.until:
                return found
            found.append(day)
        return found

    def extension(self) -> Iterator[date]:
        """The dates after the course's own, as far as twice its span from the first date: where a course
        that had to skip some dates may add as many at the end."""
        own = self.dates()
        if not own:
            return
        limit = own[0] + 2 * (own[-1] - own[0])
        for day in self.days():
            if day > limit:
                return
            if day > own[-1]:
                yield day

    def occurrences(self, tz: ZoneInfo, days: list[date] | None = None, first_index: int = 1) -> list[Occurrence]:
        """The course's dates (or `days`) as numbered occurrences with their instants in `tz`."""
        return [
            Occurrence(index, day, self.wall_time, at(day, self.wall_time, tz))
            for index, day in enumerate(self.dates() if days is None else days, start=first_index)
        ]


def at(day: date, wall_time: time, tz: ZoneInfo) -> datetime | None:
    """The instant of `wall_time` on `day`, the earlier one if it happens twice, None if it never does."""
    if not wall_time_exists(day, wall_time, tz):
        return None
    return instant(day, wall_time, tz)
