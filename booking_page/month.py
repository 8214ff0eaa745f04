"""A month as the booking page lays it out: weeks from Monday, days of other months left blank.

Plain Python over dates, so it is tested without a page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str | None) -> Month | None:
        """'2026-12' as a month; None for anything else."""
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            return cls(year, month) if 1 <= year <= 9999 and 1 <= month <= 12 else None
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def weeks(self) -> list[list[date | None]]:
        """Rows of seven, Monday first; None where a day belongs to the month before or after."""
        rows = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(self.year, self.month)
        return [[day if day.month == self.month else None for day in row] for row in rows]
