"""A waitlist entry is for a patient's record, matched as a booking is, and the booking its offer makes is
for the same record."""

from datetime import time

import pytest

from scheduling import bookings
from scheduling.bookings import PatientDetails
from waitlist import line
from waitlist.models import Entry

pytestmark = pytest.mark.django_db


def test_the_waitlist_links_its_entries_and_their_bookings(consultation, tomorrow):
    slot = bookings.RequestedSlot(consultation, tomorrow, time(9))
    earlier, _ = bookings.book(slot, patient=PatientDetails("Ada Lovelace", "ada@example.com"))
    wish = line.Wish(appointment_type=consultation, earliest_date=tomorrow, latest_date=tomorrow)
    entry = line.join(wish, PatientDetails("Ada Lovelace", "ada@example.com"))
    assert Entry.objects.get(pk=entry.pk).patient == earlier.patient
    assert entry.patient_details.record == earlier.patient  # an offer books for the entry's own record
