"""Availability and booking cost a fixed number of queries, whatever the range or the bookings."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import bookings
from scheduling.models import AppointmentType

pytestmark = pytest.mark.django_db


def fill(days, follow_up):
    for day in days:
        for hour in range(9, 17):
            bookings.book(bookings.RequestedSlot(follow_up, day, time(hour)), patient=bookings.PatientDetails(name="P"))


@pytest.mark.parametrize("length", [1, 7, 31])
def test_range_availability_queries_do_not_grow(
    api, tomorrow, django_assert_max_num_queries, length, make_practitioner
):
    follow_up = AppointmentType.objects.get(slug="follow-up")
    for n in range(3):
        make_practitioner(f"dr-{n}", types=[follow_up])
    fill([tomorrow + timedelta(days=n) for n in range(length)], follow_up)
    end = tomorrow + timedelta(days=length - 1)
    with django_assert_max_num_queries(8):
        response = api.get(
            "/api/calendly/availability",
            {"start_date": tomorrow.isoformat(), "end_date": end.isoformat(), "appointment_type": "follow-up"},
        )
    assert response.status_code == 200
    assert len(response.json()["days"]) == length


def test_booking_queries_do_not_grow_with_bookings(book, tomorrow):
    follow_up = AppointmentType.objects.get(slug="follow-up")
    assert book(tomorrow + timedelta(days=2), "09:00").status_code == 200  # reference data now cached
    with CaptureQueriesContext(connection) as on_an_empty_day:
        assert book(tomorrow + timedelta(days=1), "16:30").status_code == 200
    fill([tomorrow], follow_up)
    with CaptureQueriesContext(connection) as on_a_full_day:
        assert book(tomorrow, "16:30").status_code == 200
    # Six for the booking itself, one for its patient's new record, one for the webhook endpoints; on
    # PostgreSQL one more: the practitioner's turn (guards.queue_for_times).
    assert len(on_a_full_day) == len(on_an_empty_day) <= 8 + (connection.vendor == "postgresql")
