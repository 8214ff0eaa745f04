"""Courses of treatment against an oracle nobody here wrote: python-dateutil's rrule gives the local dates and
times, its tz module says which of them exist or happen twice, zoneinfo makes them instants. The preview and
the stored bookings must agree with it in London and New York, over both clock changes, under every policy.

Each test prints what it compared (`pytest -s`): the figures the issue's note quotes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule, tz
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import bookings, clinic_time
from scheduling.bookings.series import (
    AVAILABLE,
    BOOKED,
    CONFLICT,
    NONEXISTENT,
    CoursePlan,
    CourseRefused,
    book_course,
    preview,
)
from scheduling.models import AppointmentType, Booking, BookingEvent, BookingSeries, OpeningHours
from scheduling.slots.recurrence import Recurrence
from scheduling.tests.clock_changes import next_clock_change

pytestmark = pytest.mark.django_db

ZONES = ["Europe/London", "America/New_York"]
CHANGES = {"spring forward": True, "fall back": False}
POLICIES = ["fail", "skip", "extend"]
STAFF = bookings.Actor(BookingEvent.Actor.STAFF, "desk")
ANN = bookings.PatientDetails("Ann Lee", "ann.lee@example.org")
RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


@pytest.fixture(autouse=True)
def bookable_until_the_next_clock_changes(db):
    """The next change may be most of a year away, and a course runs weeks past it."""
    AppointmentType.objects.update(horizon_days=730, allow_series=True)


def oracle(first_day: date, weekdays: tuple[int, ...], wall_time: time, *, interval=1, count=None, until=None):
    """rrule's local datetimes for the course (naive, as RFC 5545's floating times are)."""
    return list(
        rrule.rrule(
            rrule.WEEKLY,
            dtstart=datetime.combine(first_day, wall_time),
            interval=interval,
            wkst=rrule.MO,
            byweekday=[RRULE_DAYS[day - 1] for day in weekdays],
            count=count,
            until=until and datetime.combine(until, time(23, 59)),
        )
    )


def instant(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The oracle's instant of a local time: None if dateutil says it does not exist, the earlier one if it
    says it happens twice."""
    aware = local.replace(tzinfo=zone)
    if not tz.datetime_exists(aware):
        return None
    if tz.datetime_ambiguous(aware):
        aware = tz.enfold(aware, fold=0)
    return aware.astimezone(UTC)


def course(first_day, wall_time, count, policy, appointment_type) -> CoursePlan:
    recurrence = Recurrence(first_day, (first_day.isoweekday(),), wall_time, count=count)
    return CoursePlan(appointment_type, recurrence, on_conflict=policy)


def change_ahead(zone: ZoneInfo, *, forward: bool) -> date:
    """The first clock change at least four weeks away, so a course starting weeks before it starts ahead."""
    return next_clock_change(zone, forward=forward, after=date.today() + timedelta(weeks=4))  # noqa: DTZ011


def stored_starts(series: BookingSeries) -> dict[int, datetime]:
    return {b.series_index: b.starts_at.astimezone(UTC) for b in series.bookings.order_by("series_index")}


@settings(max_examples=300, deadline=None)
@given(
    first_day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    weekdays=st.sets(st.integers(1, 7), min_size=1, max_size=3),
    interval=st.integers(1, 4),
    count=st.integers(2, 52),
    by_until=st.booleans(),
)
def test_the_dates_are_rrules_whatever_the_pattern(first_day, weekdays, interval, count, by_until):
    expected = oracle(first_day, tuple(weekdays), time(9), interval=interval, count=count)
    until = expected[-1].date() if by_until else None
    recurrence = Recurrence(
        first_day, tuple(weekdays), time(9), interval=interval, count=None if by_until else count, until=until
    )
    assert recurrence.dates() == [local.date() for local in expected]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("policy", POLICIES)
def test_9_00_stays_9_00_across_the_clock_change_under_every_policy(
    settings, clinic, consultation, zone, change, policy, book
):
    """Eight weekly visits, the change in the middle; the fourth date is taken. `fail` books nothing and
    says which date; `skip` books the seven others; `extend` adds a ninth week instead."""
    settings.TIME_ZONE = zone
    tz_ = ZoneInfo(zone)
    change_day = change_ahead(tz_, forward=CHANGES[change])
    first_day = change_day - timedelta(weeks=3)
    assert book(first_day + timedelta(weeks=3), "09:00", patient_name="Sam Taken").status_code == 200
    plan = course(first_day, time(9), 8, policy, consultation)
    expected = [instant(local, tz_) for local in oracle(first_day, (first_day.isoweekday(),), time(9), count=9)]

    shown = preview(plan, by=STAFF)
    assert [r.occurrence.start for r in shown[:8]] == expected[:8]
    assert [r.status for r in shown[:8]] == [AVAILABLE] * 3 + [CONFLICT] + [AVAILABLE] * 4
    before = Booking.objects.count()
    if policy == "fail":
        with pytest.raises(CourseRefused) as refused:
            book_course(plan, patient=ANN, by=STAFF)
        assert [r.index for r in refused.value.dates if not r.bookable] == [4]
        assert Booking.objects.count() == before and not BookingSeries.objects.exists()
        compared = 8
    else:
        series, reports, _ = book_course(plan, patient=ANN, by=STAFF)
        wanted = {1, 2, 3, 5, 6, 7, 8} | ({9} if policy == "extend" else set())
        assert stored_starts(series) == {index: expected[index - 1] for index in sorted(wanted)}
        assert [r.index for r in reports if r.status == BOOKED] == sorted(wanted)
        assert {clinic_time.wall_clock(b.starts_at) for b in series.bookings.all()} == {"09:00"}
        assert Booking.objects.count() == before + len(wanted)
        compared = 8 + len(wanted)
    offsets = {clinic_time.local(moment).utcoffset() for moment in expected[:8]}
    assert len(offsets) == 2, "the course spans the change"
    print(f"oracle {zone} {change} {policy}: {compared} instants equal rrule's")


@pytest.fixture
def night_clinic(clinic):
    """Open across the small hours, so the course's time is one the clocks skip or repeat."""
    OpeningHours.objects.filter(practitioner=clinic).update(opens_at="00:00", closes_at="04:00")
    return clinic


SKIPPED = {"Europe/London": time(1, 30), "America/New_York": time(2, 30)}


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("policy", POLICIES)
def test_a_time_the_clocks_skip_is_reported_for_that_date_only(settings, night_clinic, consultation, zone, policy):
    settings.TIME_ZONE = zone
    tz_ = ZoneInfo(zone)
    change_day = change_ahead(tz_, forward=True)
    first_day = change_day - timedelta(weeks=2)
    wall_time = SKIPPED[zone]
    expected = [instant(local, tz_) for local in oracle(first_day, (first_day.isoweekday(),), wall_time, count=5)]
    assert expected[2] is None, "dateutil agrees the third date's time does not exist"
    plan = course(first_day, wall_time, 4, policy, consultation)

    shown = preview(plan, by=STAFF)
    assert [r.occurrence.start for r in shown[:4]] == expected[:4]
    assert shown[2].status == NONEXISTENT and str(change_day) in shown[2].detail
    if policy == "fail":
        with pytest.raises(CourseRefused):
            book_course(plan, patient=ANN, by=STAFF)
        assert not Booking.objects.exists()
        return
    series, _, _ = book_course(plan, patient=ANN, by=STAFF)
    wanted = [1, 2, 4] + ([5] if policy == "extend" else [])
    assert stored_starts(series) == {index: expected[index - 1] for index in wanted}
    print(f"oracle {zone} skipped time {policy}: {4 + len(wanted)} instants equal rrule's")


@pytest.mark.parametrize("zone", ZONES)
def test_a_time_that_happens_twice_takes_the_earlier_instant(settings, night_clinic, consultation, zone):
    settings.TIME_ZONE = zone
    tz_ = ZoneInfo(zone)
    change_day = change_ahead(tz_, forward=False)
    first_day = change_day - timedelta(weeks=1)
    local_times = oracle(first_day, (first_day.isoweekday(),), time(1, 30), count=3)
    assert tz.datetime_ambiguous(local_times[1].replace(tzinfo=tz_))
    series, _, _ = book_course(course(first_day, time(1, 30), 3, "fail", consultation), patient=ANN, by=STAFF)
    starts = stored_starts(series)
    assert starts == {index: instant(local, tz_) for index, local in enumerate(local_times, start=1)}
    summer = datetime.combine(change_day, time(1, 30), tzinfo=tz_)  # fold=0: the first 01:30, before the change
    assert starts[2] == summer.astimezone(UTC)
    assert starts[3] - starts[2] == timedelta(weeks=1, hours=1), "a week and the hour the clocks gave back"
    print(f"oracle {zone} repeated time: 3 instants equal rrule's")


@pytest.mark.parametrize("zone", ZONES)
def test_two_weekdays_every_other_week_until_a_date(settings, clinic, consultation, zone):
    settings.TIME_ZONE = zone
    tz_ = ZoneInfo(zone)
    change_day = change_ahead(tz_, forward=False)
    first_day = change_day - timedelta(weeks=4)
    until = change_day + timedelta(weeks=4)
    weekdays = (2, 4)  # Tuesday and Thursday
    recurrence = Recurrence(first_day, weekdays, time(16, 30), interval=2, until=until)
    series, _, _ = book_course(CoursePlan(consultation, recurrence), patient=ANN, by=STAFF)
    locals_ = oracle(first_day, weekdays, time(16, 30), interval=2, until=until)
    assert stored_starts(series) == {i: instant(local, tz_) for i, local in enumerate(locals_, start=1)}
    assert 6 <= len(locals_) <= 10
    print(f"oracle {zone} Tue+Thu fortnightly until: {len(locals_)} instants equal rrule's")
