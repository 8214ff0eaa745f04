"""The pages a patient's link opens, once the link has an end: past it they say the link expired and whom
to call; after a cancel they say so, and when, without who booked or why."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from booking_page.tests.test_pages import text
from scheduling.models import Booking, Clinic
from waitlist.models import Entry

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0000"


@pytest.fixture
def clinic_phone(db) -> str:
    clinic = Clinic.load()
    clinic.phone = PHONE
    clinic.save()
    return PHONE


@pytest.fixture
def booked(book, tomorrow) -> dict:
    body = book(
        tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com", reason_for_visit="Knee pain"
    ).json()
    return {"reference": body["booking_id"], "token": body["manage_token"]}


def after_the_link_ended(booked: dict):
    end = Booking.objects.get(reference=booked["reference"]).ends_at
    return time_machine.travel(end + timedelta(days=31), tick=False)


def pages(booked: dict) -> list[str]:
    reference, token = booked["reference"], booked["token"]
    return [
        f"/manage/{reference}/?token={token}",
        f"/manage/{reference}/move/?token={token}",
        f"/manage/{reference}/move/times/?token={token}",
        f"/manage/{reference}/appointment.ics?token={token}",
        f"/book/booked/{reference}/?token={token}",
    ]


def test_every_page_of_an_expired_link_says_so_and_whom_to_call(client, booked, clinic_phone, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with after_the_link_ended(booked):
        answers = {url: client.get(url) for url in pages(booked)}
    for url, response in answers.items():
        assert response.status_code == 410, url
        page = text(response)
        assert "This link has expired" in page
        assert f"Please call the clinic on {PHONE}." in page
        for detail in ("Ada", booked["reference"], "10:00", "Knee"):
            assert detail not in response.content.decode(), (url, detail)


def test_an_expired_link_cannot_cancel(client, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with after_the_link_ended(booked):
        response = client.post(
            f"/manage/{booked['reference']}/", {"intent": "cancel", "token": booked["token"], "reason": ""}
        )
    assert response.status_code == 410
    assert Booking.objects.get(reference=booked["reference"]).status == "confirmed"


def test_a_link_still_inside_its_days_opens_the_page(client, booked, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    end = Booking.objects.get(reference=booked["reference"]).ends_at
    with time_machine.travel(end + timedelta(days=29), tick=False):
        assert client.get(pages(booked)[0], follow=True).status_code == 200


def cancel_on_page(client, booked: dict):
    form = {"intent": "cancel", "token": booked["token"], "reason": "Feeling better"}
    response = client.post(f"/manage/{booked['reference']}/", form)
    assert response.status_code == 303


def test_a_cancelled_bookings_page_shows_no_patient(client, booked):
    cancel_on_page(client, booked)
    body = client.get(pages(booked)[0], follow=True).content.decode()
    assert "Ada" not in body and "Knee" not in body and "Feeling better" not in body


def test_a_cancelled_bookings_page_says_when_and_offers_to_book_again(client, booked):
    cancel_on_page(client, booked)
    response = client.get(pages(booked)[0], follow=True)
    page = text(response)
    assert "Status Cancelled" in page
    assert "Cancelled on" in page
    # The same type with the same practitioner: their free days.
    assert 'href="/book/consultation/calendar/?with=clinic"' in response.content.decode()
    assert "Book again" in page


def test_the_confirmation_page_of_a_cancelled_booking_leads_to_its_page(client, booked):
    cancel_on_page(client, booked)
    response = client.get(pages(booked)[-1])
    assert response.status_code in (302, 303)
    assert response.url.startswith(f"/manage/{booked['reference']}/")
    assert "ada@example.com" not in response.content.decode()


def test_a_waitlist_entrys_link_ends_days_after_its_latest_day(client, consultation, tomorrow, clinic_phone, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    entry = Entry.objects.create(
        appointment_type=consultation,
        earliest_date=tomorrow,
        latest_date=tomorrow,
        patient_name="Grace Hopper",
        patient_email="grace@example.com",
    )
    url = f"/waitlist/{entry.reference}/?token={entry.token}"
    with time_machine.travel(entry.link_expires_at - timedelta(hours=1), tick=False):
        assert client.get(url, follow=True).status_code == 200
    with time_machine.travel(entry.link_expires_at, tick=False):
        expired = client.get(url)
    assert expired.status_code == 410
    assert "Grace" not in expired.content.decode()
    assert f"Please call the clinic on {PHONE}." in text(expired)
