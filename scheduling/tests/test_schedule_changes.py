"""Schedule changes in the core: the database refuses overlapping hours whatever writes them, a closure of
part of a day closes only those hours, and a change is applied whole or not at all."""

from __future__ import annotations

import importlib
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction

from scheduling import bookings, clinic_time, guards, schedule_changes
from scheduling.models import Booking, ClinicClosure, OpeningHours, overlapping_hours
from scheduling.rules import SlotUnavailable
from scheduling.schedule_changes import Decision, Decisions, ScheduleChange, UnansweredBookings
from scheduling.tests.answers import starts


def booked(appointment_type, day, name, hour: int) -> Booking:
    """A confirmed booking on `day` at `hour`:00."""
    slot = bookings.RequestedSlot(appointment_type, day, time(hour))
    return bookings.book(slot, patient=bookings.PatientDetails(name))[0]


pytestmark = pytest.mark.django_db

STAFF = bookings.Actor(kind="staff", name="desk")


def test_overlapping_hours_inserted_past_every_form_are_refused_by_the_database(clinic):
    monday = clinic.opening_hours.get(weekday=0)
    with pytest.raises(IntegrityError, match=guards.HOURS_OVERLAP), transaction.atomic():
        OpeningHours.objects.create(practitioner=clinic, weekday=0, opens_at=time(12), closes_at=time(18))
    with pytest.raises(IntegrityError, match=guards.HOURS_OVERLAP), transaction.atomic():
        OpeningHours.objects.create(practitioner=clinic, weekday=1, opens_at=time(12), closes_at=time(18))
        OpeningHours.objects.filter(pk=monday.pk).update(weekday=1)
    assert clinic.opening_hours.count() == 7


def test_touching_hours_and_other_weekdays_are_fine(clinic, make_practitioner, consultation):
    rao = make_practitioner("dr-rao", types=[consultation], hours=[(time(9), time(12)), (time(12), time(17))])
    assert rao.opening_hours.count() == 14
    OpeningHours.objects.create(practitioner=rao, weekday=0, opens_at=time(17), closes_at=time(18))


def test_the_guard_is_reinstalled_idempotently_and_finds_existing_overlaps(clinic):
    guards.install_all(connection)
    assert guards.overlapping_hours(connection) == []


def test_overlapping_hours_message_names_both_intervals():
    intervals = [(0, time(9), time(12, 30)), (0, time(12), time(17)), (1, time(12), time(17))]
    assert overlapping_hours(intervals) == "Monday 09:00\u201312:30 overlaps Monday 12:00\u201317:00."
    assert overlapping_hours([(0, time(9), time(12)), (0, time(12), time(17))]) is None


def test_a_part_day_closure_blocks_only_its_hours(availability, tomorrow):
    ClinicClosure.objects.create(
        name="Training", first_day=tomorrow, last_day=tomorrow, closed_from=time(13), closed_until=None
    )
    slots = starts(availability(tomorrow))
    assert slots[0] == "09:00" and slots[-1] == "12:30"


def test_a_closure_over_days_runs_from_its_first_time_to_its_last(tomorrow):
    day_after = tomorrow + timedelta(days=1)
    closure = ClinicClosure(
        name="Works", first_day=tomorrow, last_day=day_after, closed_from=time(10), closed_until=time(11)
    )
    assert closure.span().start == clinic_time.at(tomorrow, time(10))
    assert closure.span().end == clinic_time.at(day_after, time(11))
    assert closure.hours_on(tomorrow) == "10:00\u201324:00"
    assert closure.hours_on(day_after) == "00:00\u201311:00"


def test_a_failed_apply_saves_nothing(consultation, tomorrow):
    first = booked(consultation, tomorrow, "Ann", 9)
    second = booked(consultation, tomorrow, "Ben", 10)
    closure = ClinicClosure(name="Flood", first_day=tomorrow, last_day=tomorrow)
    change = ScheduleChange.closure(closure)
    # Ann's move goes to Ben's time: taken, so Ben's cancellation and the closure roll back too.
    decisions = Decisions({first.reference: Decision("move", second.starts_at), second.reference: Decision("cancel")})

    with pytest.raises(SlotUnavailable):
        schedule_changes.apply(change, decisions, by=STAFF, via="admin")

    assert not ClinicClosure.objects.exists()
    assert Booking.objects.filter(status="confirmed").count() == 2
    assert not Booking.objects.filter(events__kind="cancelled").exists()


def test_apply_refuses_while_a_booking_lacks_an_answer(consultation, tomorrow):
    made = booked(consultation, tomorrow, "Ann", 9)
    booked(consultation, tomorrow, "Ben", 10)
    change = ScheduleChange.closure(ClinicClosure(name="Flood", first_day=tomorrow, last_day=tomorrow))

    with pytest.raises(UnansweredBookings) as refused:
        schedule_changes.apply(change, Decisions({made.reference: Decision("keep")}), by=STAFF, via="admin")

    assert len(refused.value.unanswered) == 1
    assert not ClinicClosure.objects.exists()
    assert not Booking.objects.filter(events__kind="kept_despite_change").exists()


def test_stranded_bookings_are_found_in_one_query(consultation, tomorrow, django_assert_num_queries):
    for hour, name in enumerate(("Ann", "Ben", "Cat", "Dan"), start=9):
        booked(consultation, tomorrow, name, hour)
    change = ScheduleChange.closure(ClinicClosure(name="Flood", first_day=tomorrow, last_day=tomorrow))
    with django_assert_num_queries(1):
        assert len(schedule_changes.affected(change, clinic_time.now())) == 4


def test_free_times_are_offered_as_if_the_change_were_saved(consultation, tomorrow, clinic):
    made = booked(consultation, tomorrow, "Ann", 9)
    closure = ClinicClosure(name="Flood", first_day=tomorrow, last_day=tomorrow, closed_until=time(12))
    change = ScheduleChange.closure(closure)
    stranded = schedule_changes.affected(change, clinic_time.now())
    free = schedule_changes.free_times(change, stranded, clinic_time.now())[made.reference]
    assert free and all(option.start >= clinic_time.at(tomorrow, time(12)) for option in free)


def checked_now() -> None:
    """PostgreSQL alters no table with foreign keys still to check in this transaction (a migration has none)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_migration_merges_hours_that_already_overlap_into_what_patients_were_offered(clinic, capsys):
    migration = importlib.import_module("scheduling.migrations.0020_schedule_hours_guard")
    editor = SimpleNamespace(connection=connection)
    guards.remove_hours_guard(connection)
    try:
        OpeningHours.objects.create(practitioner=clinic, weekday=0, opens_at=time(12), closes_at=time(18))
        OpeningHours.objects.create(practitioner=clinic, weekday=0, opens_at=time(10), closes_at=time(11))
        OpeningHours.objects.create(practitioner=clinic, weekday=0, opens_at=time(19), closes_at=time(20))
        checked_now()
        migration.install_hours_guard(django_apps, editor)
    finally:
        guards.install_hours_guard(connection)
    monday = OpeningHours.objects.filter(practitioner=clinic, weekday=0).order_by("opens_at")
    assert [(h.opens_at, h.closes_at) for h in monday] == [(time(9), time(18)), (time(19), time(20))]
    assert OpeningHours.objects.filter(practitioner=clinic, weekday=1).count() == 1  # other days untouched
    printed = capsys.readouterr().out
    assert "Clinic: Monday 09:00-17:00 and 10:00-11:00; Clinic: Monday 09:00-17:00 and 12:00-18:00" in printed
    with pytest.raises(IntegrityError, match=guards.HOURS_OVERLAP), transaction.atomic():
        OpeningHours.objects.create(practitioner=clinic, weekday=0, opens_at=time(12), closes_at=time(18))
