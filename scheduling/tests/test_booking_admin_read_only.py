"""A booking whose time can no longer be changed (a hold, a cancelled visit) still opens in the admin, its date
and start time shown rather than offered for editing."""

from datetime import time

import pytest

from scheduling import bookings

pytestmark = pytest.mark.django_db


def test_a_cancelled_booking_and_a_hold_open_with_their_time_shown(admin_client, consultation, tomorrow):
    cancelled, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails("Ada Lovelace")
    )
    bookings.cancel(cancelled, by=bookings.PATIENT)
    held, _ = bookings.hold(bookings.RequestedSlot(consultation, tomorrow, time(11)))

    for booking, start in ((cancelled, "10:00"), (held, "11:00")):
        page = admin_client.get(f"/admin/scheduling/booking/{booking.pk}/change/")
        assert page.status_code == 200
        text = page.content.decode()
        assert start in text
        assert 'name="start_time"' not in text and 'name="date"' not in text


def test_a_confirmed_booking_still_offers_its_time(admin_client, consultation, tomorrow):
    booked, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails("Ada Lovelace")
    )
    page = admin_client.get(f"/admin/scheduling/booking/{booked.pk}/change/")
    assert page.status_code == 200
    assert 'name="start_time"' in page.content.decode()
