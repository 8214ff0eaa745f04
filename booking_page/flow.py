"""Where a picker's pages live: the URLs of the day and times steps, for a new booking or for moving one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from booking_page.carry import Carry
from booking_page.month import Month
from booking_page.picker import Picker
from scheduling import clinic_time


@dataclass(frozen=True)
class Flow:
    """Where a picker's pages live: the new-booking pages, or one booking's move pages."""

    picker: Picker
    carry: Carry
    calendar_page: str
    times_page: str
    args: tuple = ()
    query: dict[str, str] = field(default_factory=dict)  # who to book with
    secret: tuple[tuple[str, str], ...] = ()  # what a time button's POST carries in its body: the manage token
    waitlist_page: str | None = None  # where to join the waitlist instead, when booking anew

    def waitlist_url(self, day: date | None = None, month: Month | None = None) -> str | None:
        """The waitlist's form for the day the patient chose, or the month they were looking at."""
        if self.waitlist_page is None:
            return None
        return self.carry.url(
            self.waitlist_page, *self.args, **self.query, date=day and day.isoformat(), month=month and str(month)
        )

    def calendar_url(self, month: Month | None = None) -> str:
        return self.carry.url(self.calendar_page, *self.args, **self.query, month=month and str(month))

    def times_url(self, day: date | None = None, taken: datetime | None = None, *, lapsed: bool = False) -> str:
        """A day's times; `taken` a time the patient lost, to a faster patient or (`lapsed`) with their hold."""
        return self.carry.url(
            self.times_page,
            *self.args,
            **self.query,
            date=day and day.isoformat(),
            taken=taken and clinic_time.wall_clock(taken),
            lapsed=(lapsed and "1") or None,
        )

    def hidden_fields(self) -> list[tuple[str, str]]:
        """What a GET form to the times page must send besides the day."""
        return [*self.query.items(), *self.carry.hidden_fields()]

    def post_fields(self) -> list[tuple[str, str]]:
        """What a time button's POST must send besides the time: never in its URL."""
        return list(self.secret)
