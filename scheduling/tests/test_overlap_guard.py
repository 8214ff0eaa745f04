"""The database itself refuses overlapping bookings, even from code that skips the booking service."""

import threading
from datetime import datetime, time, timedelta

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.utils import timezone

from scheduling import bookings, guards
from scheduling.bookings import claims
from scheduling.models import Booking, BookingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(tomorrow):
    tz = timezone.get_current_timezone()
    return lambda hh, mm=0: timezone.make_aware(datetime.combine(tomorrow, time(hh, mm)), tz)


def raw_booking(practitioner, appointment_type, start, minutes, **fields):
    """A booking written straight through the ORM, skipping every check in scheduling.bookings."""
    end = start + timedelta(minutes=minutes)
    values = {"blocked_from": start, "blocked_until": end, **fields}
    return Booking.objects.create(
        practitioner=practitioner,
        appointment_type=appointment_type,
        patient_name="Direct",
        starts_at=start,
        ends_at=end,
        **values,
    )


def test_an_overlapping_booking_written_through_the_orm_is_an_integrity_error(clinic, therapy, follow_up, at):
    raw_booking(clinic, therapy, at(10), 60)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        raw_booking(clinic, follow_up, at(10, 45), 15)
    assert Booking.objects.count() == 1


def test_moving_a_booking_onto_another_through_the_orm_is_an_integrity_error(clinic, consultation, at):
    raw_booking(clinic, consultation, at(10), 30)
    later = raw_booking(clinic, consultation, at(11), 30)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.objects.filter(pk=later.pk).update(starts_at=at(10, 15), blocked_from=at(10, 15), ends_at=at(10, 45))
    later.refresh_from_db()
    assert later.starts_at == at(11)


def test_back_to_back_bookings_are_allowed(clinic, consultation, at):
    raw_booking(clinic, consultation, at(10), 30)
    raw_booking(clinic, consultation, at(10, 30), 30)
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_blocks_nothing(clinic, consultation, at):
    raw_booking(clinic, consultation, at(10), 30, status=Booking.Status.CANCELLED)
    raw_booking(clinic, consultation, at(10), 30)
    assert Booking.objects.confirmed().count() == 1


def test_reconfirming_a_cancelled_booking_over_a_new_one_is_refused(clinic, consultation, at):
    old = raw_booking(clinic, consultation, at(10), 30, status=Booking.Status.CANCELLED)
    raw_booking(clinic, consultation, at(10), 30)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        Booking.objects.filter(pk=old.pk).update(status=Booking.Status.CONFIRMED)


def test_two_practitioners_can_be_booked_at_the_same_time(clinic, consultation, make_practitioner, at):
    other = make_practitioner("dr-rao", types=[consultation])
    raw_booking(clinic, consultation, at(10), 30)
    raw_booking(other, consultation, at(10), 30)
    assert Booking.objects.count() == 2


def test_buffers_are_part_of_the_guarded_time(clinic, consultation, at):
    raw_booking(clinic, consultation, at(10), 30, blocked_until=at(10, 45))
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        raw_booking(clinic, consultation, at(10, 30), 30)


def test_a_booking_must_end_after_it_starts(clinic, consultation, at):
    with pytest.raises(IntegrityError, match="booking_ends_after_start"), transaction.atomic():
        raw_booking(clinic, consultation, at(10), 0)


@pytest.mark.parametrize("status", ["held", "checked_in", "completed", "no_show"])
def test_holds_and_front_desk_statuses_block_like_confirmed_bookings(clinic, consultation, at, status):
    raw_booking(clinic, consultation, at(10), 30, status=status, hold_expires_at=at(9))
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        raw_booking(clinic, consultation, at(10, 15), 30)


@pytest.mark.parametrize("status", ["released", "expired"])
def test_released_and_expired_holds_block_nothing(clinic, consultation, at, status):
    raw_booking(clinic, consultation, at(10), 30, status=status)
    raw_booking(clinic, consultation, at(10), 30)
    assert Booking.objects.filter(status="confirmed").count() == 1


def test_a_hold_without_an_expiry_is_refused(clinic, consultation, at):
    with pytest.raises(IntegrityError, match="booking_hold_has_expiry"), transaction.atomic():
        raw_booking(clinic, consultation, at(10), 30, status="held")


@pytest.mark.usefixtures("committing")
def test_two_writers_crossing_on_postgresql_deadlock_and_the_error_says_so(clinic, consultation, at):
    """Each transaction inserts a booking, then one overlapping the other's: PostgreSQL aborts one of them
    to break the cycle, and `guards.is_deadlock` recognises that abort (the write path runs it again)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: its writers queue, they cannot deadlock")
    both_inserted = threading.Barrier(2)
    errors = []

    def writer(first: int, second: int) -> None:
        try:
            with transaction.atomic():
                raw_booking(clinic, consultation, at(first), 30)
                both_inserted.wait(timeout=10)
                raw_booking(clinic, consultation, at(second), 30)
        except (IntegrityError, OperationalError) as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=args) for args in ((10, 11), (11, 10))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 1 and guards.is_deadlock(errors[0]), errors
    assert sorted(b.starts_at for b in Booking.objects.all()) == [at(10), at(11)]


def test_a_booking_aborted_by_a_deadlock_is_made_on_the_next_try(clinic, consultation, tomorrow, monkeypatch):
    """What PostgreSQL answers the loser of a deadlock, once: the patient still gets the time, with one event."""
    deadlocks = iter([OperationalError("deadlock detected")])
    real_expire = claims.expire_lapsed_holds_on

    def aborted_once(*args):
        real_expire(*args)
        for error in deadlocks:
            raise error from psycopg.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr(claims, "expire_lapsed_holds_on", aborted_once)
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails("Ada")
    )
    assert list(Booking.objects.values_list("reference", "status")) == [(booking.reference, "confirmed")]
    assert list(BookingEvent.objects.values_list("booking__reference", "revision")) == [(booking.reference, 1)]


@pytest.mark.usefixtures("committing")
def test_writes_for_one_practitioner_on_postgresql_take_turns_and_others_do_not_wait(
    clinic, consultation, make_practitioner, tomorrow
):
    """Two overlapping inserts at the same moment would deadlock in the exclusion constraint's check (each
    waiting on the other's uncommitted row); a write first waits for any other write giving the same
    practitioner a time, so it never meets one half-done. Another practitioner's write does not wait."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: its writers queue already")
    other = make_practitioner("dr-other", types=[consultation])
    holding, release = threading.Event(), threading.Event()

    def another_write_in_progress() -> None:
        try:
            with transaction.atomic():
                guards.queue_for_times(connection, clinic.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def book_at(practitioner, hour: int, booked: list) -> threading.Thread:
        def run() -> None:
            try:
                requested = bookings.RequestedSlot(consultation, tomorrow, time(hour), practitioner)
                booked.append(bookings.book(requested, patient=bookings.PatientDetails("Ada"))[0])
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    in_progress = threading.Thread(target=another_write_in_progress)
    in_progress.start()
    assert holding.wait(timeout=10)
    for_clinic, for_other = [], []
    try:
        waiting, not_waiting = book_at(clinic, 10, for_clinic), book_at(other, 10, for_other)
        not_waiting.join(timeout=10)
        waiting.join(timeout=1)
        assert [b.practitioner for b in for_other] == [other], "another practitioner's write waited"
        assert for_clinic == [], "the clinic's write did not wait for the one in progress"
    finally:
        release.set()
    in_progress.join(timeout=10)
    waiting.join(timeout=10)
    assert [b.practitioner for b in for_clinic] == [clinic]
