"""E-mails, invites and webhooks carry as little of a patient as they can: the date of birth given at booking
is the clinic's to keep, never the mail servers' or a webhook receiver's."""

from datetime import timedelta

import pytest

from notifications.models import Message
from scheduling.models import Booking, BookingEvent
from webhooks.receivers import payload

pytestmark = pytest.mark.django_db


def test_the_birth_date_is_in_no_email_invite_or_webhook(book, today, inbox, run_worker):
    born = today.replace(year=today.year - 47, day=min(today.day, 28))
    response = book(
        today + timedelta(days=2),
        "10:00",
        patient_name="Ada Lovelace",
        patient_email="ada@example.com",
        patient_birth_date=born.isoformat(),
    )
    assert response.status_code == 200, response.json()
    run_worker()
    [mail] = inbox.messages
    assert Message.objects.get(kind="confirmation").status == "sent"
    booking = Booking.objects.get()
    hook = payload(booking, BookingEvent.objects.get(booking=booking), "booking.created")
    for sent in (mail.as_string(), repr(list(Message.objects.values())), hook):
        for written in (born.isoformat(), f"{born:%d/%m/%Y}", f"{born:%Y%m%d}", f"{born:%d %B %Y}"):
            assert written not in sent
