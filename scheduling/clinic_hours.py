"""The clinic's opening hours as patients read them: "Monday-Friday 08:00-18:00", with en dashes, one line per run of
consecutive days with the same hours, in the patient's language.

Weekday names are Django's own translated ones and times go through Django's formats (TIME_FORMAT of the
active language), so a page rendered in another language reads as that language writes them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time

from django.utils.dates import WEEKDAYS
from django.utils.formats import time_format

DASH = "\N{EN DASH}"

Interval = tuple[time, time]


@dataclass(frozen=True)
class DaysOpen:
    """A run of consecutive weekdays (0 is Monday) open at the same intervals."""

    first_day: int
    last_day: int
    intervals: tuple[Interval, ...]


def runs_of_days(rows) -> list[DaysOpen]:
    """`(weekday, opens, closes)` rows grouped into runs of consecutive days with the same intervals, Monday
    first. A closed day (no rows) breaks a run and is not listed: none are derived or guessed."""
    by_day: dict[int, list[Interval]] = defaultdict(list)
    for weekday, opens, closes in rows:
        by_day[weekday].append((opens, closes))
    runs: list[DaysOpen] = []
    for day in sorted(by_day):
        intervals = tuple(sorted(by_day[day]))
        last = runs[-1] if runs else None
        if last and last.last_day == day - 1 and last.intervals == intervals:
            runs[-1] = DaysOpen(last.first_day, day, intervals)
        else:
            runs.append(DaysOpen(day, day, intervals))
    return runs


@dataclass(frozen=True)
class HoursLine:
    days: str
    hours: str


def hours_lines(rows) -> list[HoursLine]:
    """The runs in words of the active language: ("Monday-Friday", "08:00-12:30, 13:30-18:00")."""
    lines = []
    for run in runs_of_days(rows):
        days = str(WEEKDAYS[run.first_day])
        if run.last_day != run.first_day:
            days = f"{days}{DASH}{WEEKDAYS[run.last_day]}"
        hours = ", ".join(f"{time_format(opens)}{DASH}{time_format(closes)}" for opens, closes in run.intervals)
        lines.append(HoursLine(days, hours))
    return lines
