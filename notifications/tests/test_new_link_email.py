"""When staff revoke a booking's manage link, the patient is e-mailed the new one: a short message through
the outbox, with no reason for visit and no calendar invite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from notifications import emails
from notifications.models import Message
from outbox.tests.mail import html_of, text_of
from scheduling import bookings
from scheduling.models import Booking, Clinic

pytestmark = pytest.mark.django_db

REASON = "Recurring chest pain since March"


@pytest.fixture
def booked(book, today) -> dict:
    body = book(
        today + timedelta(days=3),
        "10:00",
        patient_name="Ada Lovelace",
        patient_email="ada@example.com",
        reason_for_visit=REASON,
    ).json()
    return body


def revoke(booked: dict) -> Booking:
    desk = User.objects.create_user("desk", is_staff=True)
    return bookings.revoke_manage_link(
        Booking.objects.get(reference=booked["booking_id"]), by=bookings.Actor.staff(desk)
    )


def test_revoking_a_link_queues_an_email_with_the_change(booked):
    revoke(booked)
    message = Message.objects.get(kind="new_link")
    assert (message.status, message.recipient, message.event.kind) == (
        "pending",
        "ada@example.com",
        "manage_link_revoked",
    )


def test_the_email_carries_the_new_link_and_not_the_old(booked, inbox, run_worker):
    revoked = revoke(booked)
    run_worker()
    [mail] = [m for m in inbox.messages if m["Subject"].startswith("A new link")]
    text = text_of(mail)
    assert f"/manage/{booked['booking_id']}/?token={revoked.manage_token}" in text
    assert booked["manage_token"] not in mail.as_string()
    assert "no longer works" in text and revoked.manage_token in html_of(mail)


def test_the_email_says_nothing_clinical_and_changes_no_calendar(booked, inbox, run_worker):
    revoke(booked)
    run_worker()
    [mail] = [m for m in inbox.messages if m["Subject"].startswith("A new link")]
    assert REASON not in mail.as_string() and "chest" not in mail.as_string().lower()
    assert not any(part.get_content_type() == "text/calendar" for part in mail.walk())


def test_a_reminder_still_to_go_out_carries_the_new_link(booked):
    revoked = revoke(booked)
    reminder = Message.objects.filter(kind="reminder").first()
    assert reminder is not None  # the demo types remind a day before
    link = emails.template_context(reminder, Clinic.load())["manage_url"]  # made as the e-mail goes out
    assert link.endswith(f"?token={revoked.manage_token}")


def test_a_booking_without_an_email_address_sends_nothing(book, today):
    body = book(today + timedelta(days=3), "11:00", patient_name="No Mail").json()
    revoke(body)
    assert not Message.objects.filter(kind="new_link").exists()
