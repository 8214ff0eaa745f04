"""Every figure of the reports against a brute-force recomputation from the raw rows, on random clinics
(many seeds: types, practitioners, hours with breaks, closures, time off, every status, cancellations with
reasons at every moment around the start); and the queries a report makes do not grow with its bookings."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import bookings, clinic_time
from scheduling.models import AppointmentType, Booking, ClinicClosure, OpeningHours, Practitioner, TimeOff
from scheduling.reports import figures, report
from scheduling.tests import reports_data
from scheduling.tests.reports_data import a_booking

pytestmark = pytest.mark.django_db


def test_figure_statuses_are_the_models():
    assert set(Booking.BLOCKING) - {Booking.Status.HELD} == figures.TAKES_TIME
    assert figures.TAKES_TIME | {"cancelled", *Booking.HOLD_STATUSES} == set(Booking.Status.values)


@pytest.fixture
def random_clinic(make_practitioner, consultation, follow_up, therapy):
    """`make(seed, first_day, last_day, per_day)`: scheduling/tests/reports_data.py's random clinic."""

    def make(seed: int, first_day: date, last_day: date, per_day: int = 6):
        return reports_data.random_clinic(
            make_practitioner, [consultation, follow_up, therapy], seed, first_day, last_day, per_day
        )

    return make


# The brute force: straight from the rows, minute by minute where the report uses spans.


def naive_open_minutes(practitioners, days) -> dict[date, int]:
    closures = list(ClinicClosure.objects.all())
    away = list(TimeOff.objects.all())
    opened = defaultdict(int)
    for practitioner in practitioners:
        hours = list(OpeningHours.objects.filter(practitioner=practitioner))
        for day in days:
            if any(c.first_day <= day <= c.last_day for c in closures):
                continue
            for interval in hours:
                if interval.weekday != day.weekday():
                    continue
                moment, end = clinic_time.at(day, interval.opens_at), clinic_time.at(day, interval.closes_at)
                while moment < end:
                    if not any(
                        t.practitioner_id == practitioner.pk and t.starts_at <= moment < t.ends_at for t in away
                    ):
                        opened[day] += 1
                    moment += timedelta(minutes=1)
    return opened


def naive_median(values):
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def brute_force(practitioners, first_day, last_day, now):
    days = clinic_time.days_between(first_day, last_day)
    ids = {p.pk for p in practitioners}
    rows = [
        b
        for b in Booking.objects.select_related("appointment_type")
        if b.practitioner_id in ids and first_day <= clinic_time.local_date(b.starts_at) <= last_day
    ]
    day_of = {b.pk: clinic_time.local_date(b.starts_at) for b in rows}
    took = [b for b in rows if b.status in ("confirmed", "checked_in", "completed", "no_show")]
    due = [b for b in took if b.status != "confirmed" or b.starts_at <= now]
    cancelled = [b for b in rows if b.status == "cancelled"]

    def late(b):
        notice = max(timedelta(minutes=b.appointment_type.patient_change_cutoff_minutes), timedelta(hours=24))
        return b.cancelled_by == "patient" and b.cancelled_at is not None and b.cancelled_at > b.starts_at - notice

    def reason(text):
        return " ".join(text.split()).rstrip(".!").strip().casefold() or "no reason given"

    opened = naive_open_minutes(practitioners, days)
    leads = sorted(b.starts_at - b.created_at for b in took)
    by_reason = defaultdict(lambda: [0, 0, 0])
    for b in cancelled:
        by_reason[reason(b.cancellation_reason)][{"patient": 0, "staff": 1}.get(b.cancelled_by, 2)] += 1
    return {
        "utilisation": [
            (d, sum((b.ends_at - b.starts_at) // timedelta(minutes=1) for b in took if day_of[b.pk] == d), opened[d])
            for d in days
        ],
        "no_shows": [
            (d, sum(b.status == "no_show" for b in due if day_of[b.pk] == d), sum(day_of[b.pk] == d for b in due))
            for d in days
        ],
        "late": [
            (d, sum(late(b) for b in cancelled if day_of[b.pk] == d), sum(day_of[b.pk] == d for b in cancelled))
            for d in days
        ],
        "reasons": {r: tuple(counts) for r, counts in by_reason.items()},
        "leads": leads,
    }


def as_triples(ratio: figures.Ratio):
    return [(d.day, d.part, d.whole) for d in ratio.days]


def assert_ratio(ratio: figures.Ratio, expected):
    assert as_triples(ratio) == expected
    part, whole = sum(e[1] for e in expected), sum(e[2] for e in expected)
    assert (ratio.part, ratio.whole) == (part, whole)
    assert ratio.ratio == (part / whole if whole else None)


@pytest.mark.parametrize("seed", range(12))
def test_every_figure_equals_a_brute_force_recomputation_from_the_rows(seed, random_clinic, today):
    assert_report_is_brute_force(seed, random_clinic, today)


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "Australia/Adelaide"])
def test_the_figures_hold_in_zones_off_utc_by_hours_or_half_hours(zone, settings, random_clinic):
    """Bookings are counted per UTC hour where local days start on whole hours, per local day otherwise."""
    settings.TIME_ZONE = zone
    assert_report_is_brute_force(20, random_clinic, clinic_time.today())


def assert_report_is_brute_force(seed, random_clinic, today):
    first_day, last_day = today - timedelta(days=20), today + timedelta(days=6)
    rng = random_clinic(seed, first_day, last_day)
    practitioners = list(Practitioner.objects.filter(slug__startswith=f"p{seed}-"))
    chosen = practitioners if seed % 3 else [rng.choice(practitioners)]  # everyone, or one practitioner
    now = clinic_time.now()

    made = report(first_day, last_day, chosen, chosen=None, now=now)
    expected = brute_force(chosen, first_day, last_day, now)

    assert_ratio(made.utilisation, expected["utilisation"])
    assert_ratio(made.no_shows, expected["no_shows"])
    assert_ratio(made.late_cancellations, expected["late"])
    assert {r.reason: (r.by_patient, r.by_staff, r.by_nobody_recorded) for r in made.reasons} == expected["reasons"]
    assert [r.total for r in made.reasons] == sorted((r.total for r in made.reasons), reverse=True)
    leads = expected["leads"]
    assert made.lead_time.bookings == len(leads)
    if leads:
        assert made.lead_time.median == naive_median(leads)
        assert made.lead_time.p90 == leads[math.ceil(0.9 * len(leads)) - 1]
        assert made.lead_time.mean == sum(leads, timedelta()) / len(leads)
        assert sum(n for _, n in made.lead_time.buckets) == len(leads)
        assert dict(made.lead_time.buckets)["4 weeks or more"] == sum(lead >= timedelta(days=28) for lead in leads)


def test_a_booking_outside_open_hours_counts_so_utilisation_shows_the_overtime(make_practitioner, consultation, today):
    early = make_practitioner("early", types=[consultation], hours=((time(9), time(10)),))
    day = today - timedelta(days=1)
    starts = [clinic_time.at(day, time(9)), clinic_time.at(day, time(9, 30)), clinic_time.at(day, time(10))]
    bookings.import_history(
        [
            Booking(
                practitioner=early,
                appointment_type=consultation,
                patient_name="Ada",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                blocked_from=start,
                blocked_until=start + timedelta(minutes=30),
                status="completed",
            )
            for start in starts
        ]
    )
    made = report(day, day, [early], chosen="early", now=clinic_time.now())
    assert (made.utilisation.part, made.utilisation.whole) == (90, 60)
    assert made.utilisation.ratio == 1.5


def test_an_empty_range_has_no_ratios_rather_than_a_division_by_zero(clinic, today):
    made = report(today, today, [], chosen=None, now=clinic_time.now())
    assert (made.utilisation.ratio, made.no_shows.ratio, made.late_cancellations.ratio) == (None, None, None)
    assert made.lead_time.median is None and made.reasons == []


def test_queries_per_report_do_not_grow_with_the_bookings(random_clinic, today, django_assert_num_queries):
    first_day, last_day = today - timedelta(days=13), today
    random_clinic(101, first_day, last_day, per_day=0)
    practitioners = list(Practitioner.objects.filter(slug__startswith="p101-"))
    now = clinic_time.now()
    report(first_day, last_day, practitioners, chosen=None, now=now)  # the reference data, cached once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report(first_day, last_day, practitioners, chosen=None, now=now)
        return len(captured)

    def add(n: int, seed: int, after: int = 0):
        rng = random.Random(seed)
        kind = AppointmentType.objects.get(slug="follow-up")
        made, day_count = [], (last_day - first_day).days + 1
        while len(made) < n:
            i = after + len(made)
            day = first_day + timedelta(days=i % day_count)
            start = clinic_time.at(day, time(7)) + timedelta(minutes=20 * (i // day_count))
            made.append(a_booking(rng, practitioners[i % 3], kind, start, start + timedelta(minutes=15)))
        bookings.import_history(made)

    add(10, 1)
    with_ten = queries()
    add(190, 2, after=10)
    assert Booking.objects.count() >= 200
    with django_assert_num_queries(with_ten):
        report(first_day, last_day, practitioners, chosen=None, now=now)
    assert with_ten == queries() <= 6


def test_the_report_for_a_naive_range_end_includes_the_last_day_whole(clinic, consultation, today):
    start = clinic_time.at(today, time(23, 30))
    bookings.import_history(
        [
            Booking(
                practitioner=clinic,
                appointment_type=consultation,
                patient_name="Late",
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                blocked_from=start,
                blocked_until=start + timedelta(minutes=30),
                status="confirmed",
            )
        ]
    )
    made = report(today, today, [clinic], chosen="clinic", now=clinic_time.now())
    assert made.utilisation.part == 30
