"""A patient cancels or moves their own booking only before its start and outside the type's cutoff; staff
always can. The write path decides, so the API, the booking page and the waitlist's links agree."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine

from scheduling import bookings, clinic_time
from scheduling.models import AppointmentType, Booking, BookingEvent, Clinic
from scheduling.rules import TooLateToChange

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


@pytest.fixture
def cutoff_24h(consultation) -> AppointmentType:
    consultation.patient_change_cutoff_minutes = 24 * 60
    consultation.save()
    return consultation


@pytest.fixture
def clinic_phone(db) -> str:
    clinic = Clinic.load()
    clinic.phone = "+44 20 7946 0000"
    clinic.save()
    return clinic.phone


@pytest.fixture
def booked(book, today):
    """A consultation three days ahead at 10:00: well outside any cutoff when booked."""
    body = book(today + timedelta(days=3), "10:00", patient_name="Ada Lovelace").json()
    booking = Booking.objects.get(reference=body["booking_id"])
    return booking, body["manage_token"]


def starts_at(booking: Booking) -> datetime:
    return booking.starts_at


def patient_cancel(api, booking, token):
    return api.post(f"/api/calendly/bookings/{booking.reference}/cancel?token={token}", {}, format="json")


def patient_move(api, booking, token, day, start="11:00"):
    body = {"date": day.isoformat(), "start_time": start}
    return api.post(f"/api/calendly/bookings/{booking.reference}/reschedule?token={token}", body, format="json")


def unchanged(booking: Booking) -> bool:
    stored = Booking.objects.get(pk=booking.pk)
    events = BookingEvent.objects.filter(booking=booking).count()
    return (
        stored.status == "confirmed" and stored.revision == 1 and stored.starts_at == booking.starts_at and events == 1
    )


def test_a_patient_cannot_cancel_a_visit_that_already_took_place(api, booked, clinic_phone):
    booking, token = booked
    with time_machine.travel(starts_at(booking) + timedelta(days=1), tick=False):
        response = patient_cancel(api, booking, token)
    assert response.status_code == 409
    assert response.json()["code"] == "already_started"
    assert "+44 20 7946 0000" in response.json()["detail"]
    assert unchanged(booking)


def test_a_patient_cannot_move_a_visit_at_its_start(api, booked, today):
    booking, token = booked
    with time_machine.travel(starts_at(booking), tick=False):
        response = patient_move(api, booking, token, today + timedelta(days=5))
    assert response.status_code == 409
    assert response.json()["code"] == "already_started"
    assert unchanged(booking)


def test_with_no_cutoff_a_patient_may_cancel_until_the_second_before_the_start(api, booked):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - SECOND, tick=False):
        response = patient_cancel(api, booking, token)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize(
    ("offset", "allowed"),
    [(-SECOND, True), (timedelta(0), False), (SECOND, False)],
    ids=["a second before the cutoff", "at the cutoff", "a second after the cutoff"],
)
def test_the_cutoff_closes_a_patients_cancel_at_its_instant(api, booked, cutoff_24h, clinic_phone, offset, allowed):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=24) + offset, tick=False):
        response = patient_cancel(api, booking, token)
    if allowed:
        assert response.status_code == 200
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"
        return
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "too_late_to_change"
    assert body["detail"] == (
        "Bookings can be cancelled or moved online up to 24 hours before the start. "
        "Please call the clinic on +44 20 7946 0000."
    )
    assert unchanged(booking)


@pytest.mark.parametrize(("offset", "allowed"), [(-SECOND, True), (timedelta(0), False), (SECOND, False)])
def test_the_cutoff_closes_a_patients_move_at_its_instant(api, booked, cutoff_24h, today, offset, allowed):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=24) + offset, tick=False):
        response = patient_move(api, booking, token, today + timedelta(days=6))
    if allowed:
        assert response.status_code == 200
        assert response.json()["date"] == (today + timedelta(days=6)).isoformat()
        return
    assert response.status_code == 409
    assert response.json()["code"] == "too_late_to_change"
    assert unchanged(booking)


def test_without_a_clinic_phone_the_message_still_says_to_call(api, booked, cutoff_24h):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=1), tick=False):
        response = patient_cancel(api, booking, token)
    assert response.json()["detail"].endswith("before the start. Please call the clinic.")


def test_staff_still_cancel_and_move_inside_the_cutoff_and_the_history_names_them(
    api, booked, cutoff_24h, admin_user, today
):
    booking, _ = booked
    api.force_authenticate(admin_user)
    with time_machine.travel(starts_at(booking) - timedelta(hours=2), tick=False):
        moved = patient_move(api, booking, "", today + timedelta(days=3), start="14:00")
        assert moved.status_code == 200, moved.json()
        cancelled = api.post(f"/api/calendly/bookings/{booking.reference}/cancel", {"reason": "Phoned"}, format="json")
    assert cancelled.status_code == 200
    history = list(BookingEvent.objects.filter(booking=booking).values_list("kind", "actor", "actor_name"))
    assert history[1:] == [("rescheduled", "staff", admin_user.username), ("cancelled", "staff", admin_user.username)]
    assert Booking.objects.get(pk=booking.pk).cancelled_by == "staff"


def test_the_manage_answer_says_whether_the_patient_may_change_it_and_why_not(api, booked, cutoff_24h, clinic_phone):
    booking, token = booked
    url = f"/api/calendly/bookings/{booking.reference}?token={token}"
    with time_machine.travel(starts_at(booking) - timedelta(hours=25), tick=False):
        before = api.get(url).json()
    with time_machine.travel(starts_at(booking) - timedelta(hours=23), tick=False):
        inside = api.get(url).json()
    assert (before["can_cancel"], before["can_reschedule"], before["change_refusal"]) == (True, True, None)
    assert (inside["can_cancel"], inside["can_reschedule"]) == (False, False)
    assert inside["change_refusal"]["code"] == "too_late_to_change"
    assert "+44 20 7946 0000" in inside["change_refusal"]["detail"]


def test_staff_see_that_they_may_change_a_booking_inside_the_cutoff(api, booked, cutoff_24h, admin_user):
    booking, _ = booked
    api.force_authenticate(admin_user)
    with time_machine.travel(starts_at(booking) - timedelta(hours=1), tick=False):
        seen = api.get(f"/api/calendly/bookings/{booking.reference}").json()
    assert (seen["can_cancel"], seen["can_reschedule"], seen["change_refusal"]) == (True, True, None)


def test_a_cancelled_booking_says_it_cannot_be_changed(api, booked):
    booking, token = booked
    answer = patient_cancel(api, booking, token).json()
    assert (answer["can_cancel"], answer["can_reschedule"]) == (False, False)
    assert answer["change_refusal"]["code"] == "already_cancelled"


def test_the_write_path_itself_refuses_a_patient_whatever_the_interface(booked, cutoff_24h):
    booking, _ = booked
    inside = starts_at(booking) - timedelta(minutes=30)
    with pytest.raises(TooLateToChange) as refused:
        bookings.cancel(booking, by=bookings.PATIENT, now=inside)
    assert refused.value.code == "too_late_to_change"
    day = clinic_time.local_date(booking.starts_at)
    with pytest.raises(TooLateToChange) as refused:
        bookings.reschedule(booking, bookings.RequestedSlot(booking.appointment_type, day, time(15)), now=inside)
    assert refused.value.code == "too_late_to_change"
    assert unchanged(booking)


# The booking page shows the same reason instead of its buttons, and refuses the same writes.


def manage_page(booking, token) -> str:
    return f"/manage/{booking.reference}/?token={token}"


def test_the_booking_page_shows_the_reason_instead_of_the_buttons(client, booked, cutoff_24h, clinic_phone):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=25), tick=False):
        open_page = client.get(manage_page(booking, token), follow=True).content.decode()
    with time_machine.travel(starts_at(booking) - timedelta(hours=23), tick=False):
        closed_page = client.get(manage_page(booking, token), follow=True).content.decode()
    assert "Cancel this booking" in open_page and "Choose a new time" in open_page
    assert "Cancel this booking" not in closed_page and "Choose a new time" not in closed_page
    assert "up to 24 hours before the start. Please call the clinic on +44 20 7946 0000." in closed_page


def test_the_booking_page_refuses_a_cancel_posted_inside_the_cutoff(client, booked, cutoff_24h):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=24), tick=False):
        response = client.post(f"/manage/{booking.reference}/", {"token": token, "intent": "cancel", "reason": ""})
    assert response.status_code == 409
    assert response.content.decode().count("up to 24 hours before the start") == 1
    assert "Cancel this booking" not in response.content.decode()
    assert unchanged(booking)


def test_the_booking_pages_move_steps_say_why_they_are_closed(client, booked, cutoff_24h):
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=24) + SECOND, tick=False):
        calendar = client.get(f"/manage/{booking.reference}/move/?token={token}", follow=True)
        chosen = client.post(
            f"/manage/{booking.reference}/move/times/",
            {"token": token, "date": clinic_time.local_date(booking.starts_at).isoformat(), "start": "15:00"},
        )
    assert calendar.status_code == chosen.status_code == 409
    assert "up to 24 hours before the start" in calendar.content.decode()
    assert unchanged(booking)


def test_a_patient_may_still_move_on_the_page_a_second_before_the_cutoff(client, booked, cutoff_24h, today):
    booking, token = booked
    new_day = today + timedelta(days=4)
    with time_machine.travel(starts_at(booking) - timedelta(hours=24) - SECOND, tick=False):
        chosen = {"token": token, "date": new_day.isoformat(), "start": "15:00"}
        asked = client.post(f"/manage/{booking.reference}/move/times/", chosen)
        assert asked.status_code == 200 and b"Move your booking?" in asked.content  # the confirmation first
        confirmed = {**chosen, "revision": str(booking.revision), "confirm": "yes"}
        moved = client.post(f"/manage/{booking.reference}/move/times/", confirmed)
    assert moved.status_code == 303
    assert clinic_time.local_date(Booking.objects.get(pk=booking.pk).starts_at) == new_day


@pytest.mark.parametrize(
    ("offset", "allowed"),
    [(-SECOND, True), (timedelta(0), False), (SECOND, False)],
    ids=["a second before the start", "at the start", "a second after the start"],
)
def test_without_a_cutoff_the_start_closes_a_patients_cancel(api, booked, offset, allowed):
    booking, token = booked
    with time_machine.travel(starts_at(booking) + offset, tick=False):
        response = patient_cancel(api, booking, token)
    assert response.status_code == (200 if allowed else 409)
    if not allowed:
        assert response.json()["code"] == "already_started"
        assert unchanged(booking)


def test_a_started_booking_is_already_started_even_with_a_cutoff(api, booked, cutoff_24h):
    booking, token = booked
    with time_machine.travel(starts_at(booking) + SECOND, tick=False):
        assert patient_cancel(api, booking, token).json()["code"] == "already_started"


def test_the_token_as_a_header_and_a_replayed_request_are_refused_alike(api, booked, cutoff_24h):
    booking, token = booked
    url = f"/api/calendly/bookings/{booking.reference}/cancel"
    headers = {"HTTP_X_MANAGE_TOKEN": token, "HTTP_IDEMPOTENCY_KEY": "cancel-once"}
    with time_machine.travel(starts_at(booking) - timedelta(hours=3), tick=False):
        first = api.post(url, {}, format="json", **headers)
        replayed = api.post(url, {}, format="json", **headers)
    assert first.status_code == replayed.status_code == 409
    assert first.json() == replayed.json()
    assert first.json()["code"] == "too_late_to_change"
    assert unchanged(booking)


def test_a_patient_may_move_into_the_cutoff_window_as_they_may_book_there(api, booked, cutoff_24h, today):
    """The cutoff guards the time a booking has; the new time needs only the type's notice, like a new
    booking. Once moved there, the patient can no longer change it."""
    booking, token = booked
    with time_machine.travel(starts_at(booking) - timedelta(hours=30), tick=False):
        soon = clinic_time.local(clinic_time.now() + timedelta(hours=5))
        moved = patient_move(api, booking, token, soon.date(), start=f"{soon.hour:02d}:00")
        assert moved.status_code == 200, moved.json()
        assert moved.json()["change_refusal"]["code"] == "too_late_to_change"
        assert patient_cancel(api, booking, token).status_code == 409


def test_a_non_ascii_token_is_no_booking_not_an_error(api, client, booked):
    booking, _ = booked
    assert api.get(f"/api/calendly/bookings/{booking.reference}", {"token": "Ünïcødé"}).status_code == 404
    assert client.get(manage_page(booking, "Ünïcødé")).status_code == 404


def test_the_booking_page_says_a_started_booking_can_no_longer_be_changed(client, booked, clinic_phone):
    booking, token = booked
    with time_machine.travel(starts_at(booking) + timedelta(minutes=5), tick=False):
        page = client.get(manage_page(booking, token), follow=True).content.decode()
        refused = client.post(f"/manage/{booking.reference}/", {"token": token, "intent": "cancel", "reason": ""})
    assert "Cancel this booking" not in page
    assert "This appointment has already started, so it can no longer be cancelled or moved." in page
    assert refused.status_code == 409
    assert unchanged(booking)
