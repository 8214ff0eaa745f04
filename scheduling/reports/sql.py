"""Expressions the reports' queries group and sum by, in each engine's own SQL: Django's date functions and
duration arithmetic run as Python functions per row on SQLite, which on a year of a busy clinic costs
seconds; these run inside the engine on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import CharField, FloatField, Func


class SecondsBetween(Func):
    """`end - start` in seconds, as a float."""

    output_field = FloatField()

    def __init__(self, start, end):
        super().__init__(start, end)

    def _compiled(self, compiler, connection):
        (start, start_params), (end, end_params) = (compiler.compile(e) for e in self.source_expressions)
        return start, end, [*end_params, *start_params]

    def as_sqlite(self, compiler, connection, **extra):
        start, end, params = self._compiled(compiler, connection)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        start, end, params = self._compiled(compiler, connection)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))", params


class UtcHour(Func):
    """The UTC hour an instant falls in, as text 'YYYY-MM-DD HH'."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"substr({column}, 1, 13)", params  # Django stores instants as 'YYYY-MM-DD HH:MM:SS[.ffffff]' UTC

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        column, params = compiler.compile(self.source_expressions[0])
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')", params


def hours_make_days(zone: ZoneInfo, first_day: date, last_day: date) -> bool:
    """Whether every local day of the range begins on a whole UTC hour, so UTC hours add up to local days
    (false in zones half an hour off UTC, such as India's or Adelaide's)."""
    day = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone)
    while day.date() <= last_day + timedelta(days=1):
        if day.utcoffset() % timedelta(hours=1):
            return False
        day = (day + timedelta(days=1)).replace(tzinfo=zone)
    return True


def local_day_of_hour(hour: str, zone: ZoneInfo) -> date:
    return datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone).date()
