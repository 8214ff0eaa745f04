"""The database itself refuses overlapping bookings, even from code that skips the booking service."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.models import Booking

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
