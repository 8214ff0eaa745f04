"""What patients are e-mailed when a schedule change strands their booking (scheduling/schedule_changes.py):
a cancellation by the clinic says why and links to book again; an offer of new times links to the move
page; a booking kept is not announced. Never the reason for visit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import emails
from notifications.models import Message
from scheduling import bookings
from scheduling.models import Booking

pytestmark = pytest.mark.django_db

REASON_FOR_VISIT = "Recurring chest pain since March"


@pytest.fixture
def full_day(book, tomorrow) -> list[str]:
    """Tomorrow filled with 16 consultations through the API, 09:00 to 16:30."""
    made = [
        book(
            tomorrow,
            f"{9 + n // 2:02d}:{30 * (n % 2):02d}",
            patient_name=f"Patient {n}",
            patient_email=f"p{n}@example.com",
            reason_for_visit=REASON_FOR_VISIT,
        )
        for n in range(16)
    ]
    return [response.json()["booking_id"] for response in made]


def add_closure(admin_client, day, **decisions):
    body = {"name": "Flooded", "first_day": day.isoformat(), "last_day": day.isoformat(), "schedule-shown": "1"}
    return admin_client.post(reverse("admin:scheduling_clinicclosure_add"), {**body, **decisions})


def test_each_patient_of_a_closed_day_is_told_why_and_where_to_book_again(admin_client, full_day, tomorrow):
    response = add_closure(
        admin_client, tomorrow, **{"decision-default": "cancel", "schedule-reason": "The clinic is flooded"}
    )

    assert response.status_code == 302
    messages = Message.objects.filter(kind="cancellation")
    assert sorted(messages.values_list("recipient", flat=True)) == sorted(f"p{n}@example.com" for n in range(16))
    email = emails.compose(messages.get(booking__reference=full_day[0]))
    assert "cancelled by the clinic: The clinic is flooded" in email.body
    assert "/book/consultation/" in email.body
    assert REASON_FOR_VISIT not in email.message().as_string()


def test_an_offer_of_new_times_links_to_the_move_page_and_a_kept_booking_is_not_announced(
    admin_client, full_day, tomorrow
):
    offered, kept = full_day[:2]
    choices = {"decision-default": "keep", f"decision-{offered}": "offer", "schedule-reason": "Staff training"}

    assert add_closure(admin_client, tomorrow, **choices).status_code == 302

    email = emails.compose(Message.objects.get(kind="new_times"))
    assert "p0@example.com" in email.to[0]
    assert f"/manage/{offered}/move/?token=" in email.body and "Staff training" in email.body
    assert REASON_FOR_VISIT not in email.message().as_string()
    assert not Message.objects.filter(booking__reference=kept, event__kind="kept_despite_change").exists()
    assert Booking.objects.get(reference=kept).status == "confirmed"


def test_a_cancellation_by_the_front_desk_keeps_its_staff_reason_out_of_the_email(full_day):
    booking = Booking.objects.get(reference=full_day[0])
    desk = bookings.Actor(kind="staff", name="desk")
    bookings.cancel(booking, by=desk, via="admin", reason="Cancelled by desk: patient rang, feeling better")

    email = emails.compose(Message.objects.get(kind="cancellation"))
    assert "feeling better" not in email.body
    assert "/book/consultation/" in email.body


@pytest.mark.parametrize(
    ("typed", "sentence"), [("The clinic is flooded", "The clinic is flooded."), ("Flooded!", "Flooded!")]
)
def test_the_reason_for_patients_ends_its_sentence_before_the_next_one_begins(
    admin_client, full_day, tomorrow, typed, sentence
):
    offered = full_day[0]
    choices = {"decision-default": "cancel", f"decision-{offered}": "offer", "schedule-reason": typed}

    assert add_closure(admin_client, tomorrow, **choices).status_code == 302

    cancelled = emails.compose(Message.objects.filter(kind="cancellation").first())
    offer = emails.compose(Message.objects.get(kind="new_times"))
    assert f"cancelled by the clinic: {sentence} The attached invite" in cancelled.body
    assert f"at this time: {sentence}\nIt stays booked" in offer.body
    for email in (cancelled, offer):
        html = email.alternatives[0][0]
        assert f"{sentence} " in html and f"{sentence}. " not in html
