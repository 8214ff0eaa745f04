"""The next days clocks change in a zone, found from today, so tests never depend on a fixed date."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_clock_change(tz: ZoneInfo, *, forward: bool, after: date | None = None) -> date:
    """The first day after `after` (default today) on which the clocks go forward (or back)."""
    day = after or date.today()  # noqa: DTZ011 - a calendar date to search from, not an instant
    for _ in range(400):
        day += timedelta(days=1)
        morning = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
        evening = datetime.combine(day, time(23, 59), tzinfo=tz).utcoffset()
        if morning != evening and (evening > morning) == forward:
            return day
    raise LookupError(f"{tz.key} changes no clocks within 400 days")
