"""A patient's manage link has an end: it stops opening the booking some days after the visit, staff can
revoke it for one booking, and once the booking is cancelled it no longer shows who booked or why."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils.crypto import salted_hmac

from scheduling import bookings
from scheduling.models import Booking, BookingEvent, Clinic
from scheduling.rules import BookingRuleBroken
from scheduling.tests.staff import FRONT_DESK, staff_member
from scheduling.tokens import new_secret

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0000"
REASON = "Recurring chest pain since March"


@pytest.fixture
def clinic_phone(db) -> str:
    clinic = Clinic.load()
    clinic.phone = PHONE
    clinic.save()
    return PHONE


@pytest.fixture
def booked(book, tomorrow) -> dict:
    response = book(
        tomorrow,
        "10:00",
        patient_name="Ada Lovelace",
        patient_email="ada@example.com",
        patient_phone="+44 20 7946 0958",
        reason_for_visit=REASON,
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def desk(db) -> User:
    return staff_member("desk", *FRONT_DESK, password="a-long-desk-password")


def booking_url(booked: dict, action: str = "") -> str:
    return f"/api/calendly/bookings/{booked['booking_id']}" + (f"/{action}" if action else "")


def opened(api, booked: dict, token: str | None = None):
    return api.get(booking_url(booked), {"token": token or booked["manage_token"]})


def days_after_the_visit(booked: dict, days: float):
    end = Booking.objects.get(reference=booked["booking_id"]).ends_at
    return time_machine.travel(end + timedelta(days=days), tick=False)


def test_a_manage_link_opens_the_booking_until_the_set_days_after_the_visit(api, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with days_after_the_visit(booked, 30 - 1 / 24):
        assert opened(api, booked).status_code == 200


def test_a_manage_link_past_its_end_is_gone_and_tells_whom_to_call(api, booked, clinic_phone, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with days_after_the_visit(booked, 30):
        response = opened(api, booked)
    assert response.status_code == 410
    assert response.json() == {
        "detail": f"This link has expired. Please call the clinic on {PHONE}.",
        "code": "link_expired",
    }


def test_an_expired_answer_reveals_nothing_of_the_booking(api, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 7
    with days_after_the_visit(booked, 8):
        body = opened(api, booked).content.decode()
    for detail in ("Ada", "ada@example.com", "7946 0958", "chest", booked["booking_id"], "10:00", "consultation"):
        assert detail not in body


def test_the_days_come_from_the_setting(api, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 2
    with days_after_the_visit(booked, 3):
        assert opened(api, booked).status_code == 410


def test_an_expired_link_can_neither_cancel_nor_move(api, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 1
    token = booked["manage_token"]
    with days_after_the_visit(booked, 2):
        cancel = api.post(f"{booking_url(booked, 'cancel')}?token={token}", {}, format="json")
        move = api.post(
            f"{booking_url(booked, 'reschedule')}?token={token}",
            {"date": "2099-01-01", "start_time": "10:00"},
            format="json",
        )
    assert (cancel.status_code, move.status_code) == (410, 410)
    assert Booking.objects.get(reference=booked["booking_id"]).status == "confirmed"


def test_a_wrong_token_for_an_expired_booking_is_the_usual_404(api, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 1
    with days_after_the_visit(booked, 2):
        response = opened(api, booked, booked["manage_token"][:-1] + "x")
    assert response.status_code == 404  # only the right token learns the link expired


def test_staff_still_open_a_booking_whose_link_expired(api, booked, desk, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 1
    api.force_authenticate(desk)
    with days_after_the_visit(booked, 2):
        response = api.get(booking_url(booked))
    assert response.status_code == 200
    assert response.json()["patient_name"] == "Ada Lovelace"


def test_a_revoked_link_stops_working_everywhere_at_once(api, booked, desk):
    booking = Booking.objects.get(reference=booked["booking_id"])
    bookings.revoke_manage_link(booking, by=bookings.Actor.staff(desk))
    token = booked["manage_token"]
    assert opened(api, booked).status_code == 404
    assert api.post(f"{booking_url(booked, 'cancel')}?token={token}", {}, format="json").status_code == 404
    assert api.get(f"/manage/{booked['booking_id']}/", {"token": token}).status_code == 404
    assert api.get(f"/manage/{booked['booking_id']}/appointment.ics", {"token": token}).status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_the_new_link_opens_the_booking(api, booked, desk):
    revoked = bookings.revoke_manage_link(
        Booking.objects.get(reference=booked["booking_id"]), by=bookings.Actor.staff(desk)
    )
    assert revoked.manage_token != booked["manage_token"]
    assert opened(api, booked, revoked.manage_token).status_code == 200


def test_revoking_twice_retires_the_second_link_too(api, booked, desk):
    booking = Booking.objects.get(reference=booked["booking_id"])
    second = bookings.revoke_manage_link(booking, by=bookings.Actor.staff(desk)).manage_token
    third = bookings.revoke_manage_link(booking, by=bookings.Actor.staff(desk)).manage_token
    assert opened(api, booked, second).status_code == 404
    assert opened(api, booked, third).status_code == 200


def test_the_history_records_who_revoked_the_link(booked, desk):
    booking = Booking.objects.get(reference=booked["booking_id"])
    bookings.revoke_manage_link(booking, by=bookings.Actor.staff(desk), reason="Link forwarded by mistake")
    event = BookingEvent.objects.filter(booking=booking).latest("revision")
    assert (event.kind, event.actor, event.actor_name, event.channel) == (
        "manage_link_revoked",
        "staff",
        "desk",
        "admin",
    )
    assert event.reason == "Link forwarded by mistake"
    assert event.changes == {}  # no token, digest or count in the history


def test_revoking_also_retires_a_random_token_from_before_tokens_were_derived(api, booked, desk):
    legacy, digest = new_secret()
    Booking.objects.filter(reference=booked["booking_id"]).update(manage_token_digest=digest)
    assert opened(api, booked, legacy).status_code == 200
    bookings.revoke_manage_link(Booking.objects.get(reference=booked["booking_id"]), by=bookings.Actor.staff(desk))
    assert opened(api, booked, legacy).status_code == 404


def test_a_link_derived_before_revocation_existed_still_opens_a_booking_never_revoked(api, booked):
    """What every link sent before migration 0011 carries: the reference alone, signed."""
    mac = salted_hmac("scheduling.manage-token", booked["booking_id"], algorithm="sha256").digest()
    assert opened(api, booked, base64.urlsafe_b64encode(mac).rstrip(b"=").decode()).status_code == 200


def test_a_hold_has_no_link_to_revoke(api, tomorrow, desk):
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "11:00"},
        format="json",
    )
    hold = Booking.objects.get(status="held")
    assert held.status_code == 201
    with pytest.raises(BookingRuleBroken):
        bookings.revoke_manage_link(hold, by=bookings.Actor.staff(desk))


def cancel(api, booked: dict, reason: str = "Feeling better"):
    url = f"{booking_url(booked, 'cancel')}?token={booked['manage_token']}"
    return api.post(url, {"reason": reason}, format="json")


WITHHELD = ("patient_name", "patient_email", "patient_phone", "reason_for_visit", "cancellation_reason")


def test_after_a_cancel_the_link_shows_no_contact_details_or_reason(api, booked):
    answer = cancel(api, booked)
    assert answer.status_code == 200
    for response in (answer, opened(api, booked)):
        body = response.json()
        assert {field: body[field] for field in WITHHELD} == dict.fromkeys(WITHHELD)
        assert "Ada" not in response.content.decode() and "chest" not in response.content.decode()


def test_after_a_cancel_the_link_still_says_it_was_cancelled_and_when(api, booked):
    cancel(api, booked)
    body = opened(api, booked).json()
    assert body["status"] == "cancelled"
    assert body["cancelled_at"] is not None and body["cancelled_by"] == "patient"
    assert body["start_time"] == "10:00" and body["appointment_type"] == "consultation"


def test_staff_still_see_a_cancelled_bookings_patient(api, booked, desk):
    cancel(api, booked)
    api.force_authenticate(desk)
    body = api.get(booking_url(booked)).json()
    assert (body["patient_name"], body["reason_for_visit"], body["cancellation_reason"]) == (
        "Ada Lovelace",
        REASON,
        "Feeling better",
    )
