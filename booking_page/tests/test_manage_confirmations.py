"""Moving and cancelling on the manage page each have a confirmation step: nothing changes before its
button, and posting that button again (back, then resubmit) neither changes the booking twice nor errs."""

from __future__ import annotations

import pytest

from booking_page.tests.html import form_to, forms, text
from scheduling import clinic_time
from scheduling.models import AppointmentType, Booking

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}


@pytest.fixture
def manage(client, clinic, book_on_page, open_booking, tomorrow) -> str:
    """A patient's 14:00 booking tomorrow, opened: its manage page's address (the cookie holds the token)."""
    return open_booking(book_on_page(tomorrow, "14:00"))


def choose_new_time(client, tomorrow, start: str, **headers):
    booking = Booking.objects.get(patient_name="Mary Jones")
    times = client.get(f"/manage/{booking.reference}/move/times/?date={tomorrow}")
    move = form_to(times, r"/manage/[^/]+/move/times/")
    return client.post(move.pop("action"), {**move, "start": start}, **headers)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_moving_shows_the_old_and_new_times_before_anything_changes(client, manage, tomorrow, headers):
    before = Booking.objects.get()
    confirmation = choose_new_time(client, tomorrow, "15:30", **headers)
    assert confirmation.status_code == 200
    shown = text(confirmation)
    day = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}"
    assert f"Move your booking? Your Consultation with Clinic moves: From {day}, 14:00\u201314:30" in shown
    assert f"To {day}, 15:30\u201316:00" in shown
    assert "Move my booking" in shown and "Choose another time" in shown
    after = Booking.objects.get()
    assert (after.starts_at, after.revision) == (before.starts_at, before.revision)

    form = form_to(confirmation, r"/manage/[^/]+/move/times/")
    moved = client.post(form.pop("action"), {**form, "confirm": "yes"}, **headers)
    assert moved.status_code == 303 and moved.url.endswith("?done=moved")
    assert clinic_time.wall_clock(Booking.objects.get().starts_at) == "15:30"


def test_the_moves_confirmation_posted_again_moves_nothing_more(client, manage, tomorrow):
    confirmation = choose_new_time(client, tomorrow, "15:30")
    form = form_to(confirmation, r"/manage/[^/]+/move/times/")
    action = form.pop("action")
    assert client.post(action, {**form, "confirm": "yes"}).status_code == 303
    revision = Booking.objects.get().revision
    again = client.post(action, {**form, "confirm": "yes"})  # the back button, then resubmit
    assert again.status_code == 303 and again.url.endswith("?done=moved")
    assert "Your booking is moved to the time below." in text(client.get(again.url))
    assert Booking.objects.get().revision == revision


def test_a_stale_move_confirmation_after_another_move_changes_nothing(client, manage, tomorrow):
    first = form_to(choose_new_time(client, tomorrow, "15:30"), r"/manage/[^/]+/move/times/")
    second = form_to(choose_new_time(client, tomorrow, "16:00"), r"/manage/[^/]+/move/times/")
    assert client.post(second.pop("action"), {**second, "confirm": "yes"}).status_code == 303
    stale = client.post(first.pop("action"), {**first, "confirm": "yes"})
    assert stale.status_code == 303 and stale.url.endswith("?done=changed_meanwhile")
    assert "This booking was changed meanwhile" in text(client.get(stale.url))
    assert clinic_time.wall_clock(Booking.objects.get().starts_at) == "16:00"


def test_a_time_taken_before_the_confirmation_says_so(client, manage, tomorrow, book):
    assert book(tomorrow, "15:30").status_code == 200
    response = choose_new_time(client, tomorrow, "15:30")
    assert response.status_code == 302 and "taken=15%3A30" in response.url


def test_the_manage_page_leads_to_a_cancel_step_not_a_cancel(client, manage):
    page = client.get(manage)
    assert not [form for form in forms(page) if form.get("intent") == "cancel"]
    assert f'href="{manage}?step=cancel"' in page.content.decode()
    assert Booking.objects.get().status == "confirmed"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_the_cancel_step_says_what_will_happen_and_offers_a_new_time(client, manage, tomorrow, headers):
    AppointmentType.objects.filter(slug="consultation").update(patient_change_cutoff_minutes=120)
    step = client.get(f"{manage}?step=cancel", **headers)
    shown = text(step)
    assert "Cancel your booking?" in shown
    assert "The time is released at once, so another patient can book it." in shown
    assert "We e-mail you to confirm the cancellation." in shown
    day = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}"
    assert f"Online, this booking can be cancelled or moved until {day}, 12:00 (UTC)" in shown
    reference = Booking.objects.get().reference
    assert f'href="/manage/{reference}/move/"' in step.content.decode()
    assert "Choose a new time instead" in shown
    assert Booking.objects.get().status == "confirmed"
    action, body = cancel_form(step)
    done = client.post(action, {**body, "reason": "Feeling better"}, **headers)
    assert done.status_code == 303 and done.url.endswith("?done=cancelled")
    assert Booking.objects.get().status == "cancelled"


def cancel_form(page) -> tuple[str, dict]:
    [form] = [form for form in forms(page) if form.get("intent") == "cancel"]
    return form.pop("action"), form


def test_the_cancel_posted_again_is_no_error_and_cancels_once(client, manage):
    action, body = cancel_form(client.get(f"{manage}?step=cancel"))
    assert client.post(action, body).status_code == 303
    revision = Booking.objects.get().revision
    again = client.post(action, body)
    assert again.status_code == 303 and again.url.endswith("?done=cancelled")
    assert "Your booking is cancelled." in text(client.get(again.url))
    assert Booking.objects.get().revision == revision


def test_a_cancellation_reason_over_its_limit_is_refused_on_the_step(client, manage):
    limit = Booking._meta.get_field("cancellation_reason").max_length
    step = client.get(f"{manage}?step=cancel")
    assert f"Up to {limit} characters." in text(step) and "maxlength" not in step.content.decode()
    action, body = cancel_form(step)
    refused = client.post(action, {**body, "reason": "x" * (limit + 1)})
    assert refused.status_code == 200
    assert f"can be at most {limit} characters; this has {limit + 1}." in text(refused)
    assert Booking.objects.get().status == "confirmed"


def test_the_cancel_step_of_a_booking_past_its_cutoff_is_the_manage_page_saying_why(client, manage):
    AppointmentType.objects.filter(slug="consultation").update(patient_change_cutoff_minutes=3 * 24 * 60)
    shown = text(client.get(f"{manage}?step=cancel"))
    assert "Cancel your booking?" not in shown and "can be cancelled or moved online up to 3 days" in shown
