"""`Booking.objects.blocked_times`, the plain-SQL read behind every availability answer and booking, returns
exactly what the ORM query it stands for returns, on the suite's engine."""

import itertools
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from scheduling.models import Booking

pytestmark = pytest.mark.django_db

Status = Booking.Status


@pytest.fixture
def at(tomorrow):
    return lambda hh, mm=0: timezone.make_aware(datetime.combine(tomorrow, time(hh, mm)))


@pytest.fixture
def bookings(clinic, make_practitioner, consultation, at):
    """Every status, lapsed and live holds, on two practitioners, some reaching across the windows' edges."""
    other = make_practitioner("dr-lee", types=[consultation])
    made = []
    statuses = [*Status, "held-lapsed"]
    for n, (practitioner, status) in enumerate(itertools.product([clinic, other], statuses)):
        start = at(8) + timedelta(minutes=35 * n)
        held = status in (Status.HELD, "held-lapsed")
        made.append(
            Booking.objects.create(
                practitioner=practitioner,
                appointment_type=consultation,
                patient_name="P",
                starts_at=start,
                ends_at=start + timedelta(minutes=20),
                blocked_from=start - timedelta(minutes=5),
                blocked_until=start + timedelta(minutes=25),
                status=Status.HELD if held else status,
                hold_expires_at=(at(9) if status == "held-lapsed" else at(23)) if held else None,
            )
        )
    return made


@pytest.mark.parametrize("window", [(8, 0, 23, 0), (9, 10, 12, 0), (12, 0, 12, 5), (20, 0, 21, 0)])
@pytest.mark.parametrize("which", ["both", "clinic", "none"])
@pytest.mark.parametrize("exclude_one", [False, True])
def test_blocked_times_are_the_orm_querys_rows(bookings, clinic, at, window, which, exclude_one):
    start, end = at(*window[:2]), at(*window[2:])
    now = at(10)
    ids = {"both": sorted({b.practitioner_id for b in bookings}), "clinic": [clinic.pk], "none": []}[which]
    excluding = bookings[3].pk if exclude_one else None
    orm = Booking.objects.blocking_at(now).filter(practitioner__in=ids).overlapping(start, end)
    if excluding:
        orm = orm.exclude(pk=excluding)
    expected = orm.values_list(
        "practitioner_id", "starts_at", "blocked_from", "blocked_until", "hold_expires_at", "session_id"
    )
    found = Booking.objects.blocked_times(ids, start, end, now, excluding=excluding)
    assert sorted(found) == sorted(expected)
    assert all(instant is None or instant.tzinfo is not None for row in found for instant in row[1:])
    if which == "both" and window == (8, 0, 23, 0):
        assert len(found) > 4  # the case is not empty
