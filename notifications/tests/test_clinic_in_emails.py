"""Every e-mail carries the clinic's address, phone, opening hours and emergency notice; a cancellation's
"Book again" starts the booking page at the same type and practitioner, with no patient data in the link."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest

from outbox.tests import mail as received
from scheduling.models import Clinic, ClinicHours

pytestmark = pytest.mark.django_db

DASH = "\N{EN DASH}"


def text_of(mail) -> str:
    return received.text_of(mail).replace("\r\n", "\n")


def html_of(mail) -> str:
    return received.html_of(mail)


def text(response) -> str:
    """A page's words as a reader sees them (the booking page's own helper is not for this app to import)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def clinic_details(db) -> Clinic:
    clinic = Clinic.load()
    clinic.address = "12 Riverside Walk\nLondon SE1 9PX"
    clinic.phone = "+44 20 7946 0958"
    clinic.save()
    ClinicHours.objects.bulk_create(
        ClinicHours(clinic=clinic, weekday=day, opens_at=time(8), closes_at=time(18)) for day in range(5)
    )
    return clinic


@pytest.fixture
def day(today):
    return today + timedelta(days=3)


@pytest.fixture
def booked(book, day, clinic_details):
    response = book(day, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com")
    assert response.status_code == 200
    return response.json()


def cancel(api, booked):
    url = f"/api/calendly/bookings/{booked['booking_id']}/cancel?token={booked['manage_token']}"
    assert api.post(url, {"reason": "Feeling better"}, format="json").status_code == 200


def test_the_confirmation_carries_the_clinics_details_and_emergency_notice(booked, inbox, run_worker):
    run_worker()
    [mail] = inbox.messages
    plain = text_of(mail)
    assert (
        "In an emergency, call 112.\n\nDemo Clinic\n12 Riverside Walk\nLondon SE1 9PX\nPhone: +44 20 7946 0958" in plain
    )
    assert f"Opening hours:\nMonday{DASH}Friday 08:00{DASH}18:00" in plain
    html = html_of(mail)
    assert '<strong>In an emergency, call <a href="tel:112">112</a>.</strong>' in html
    assert 'Phone: <a href="tel:+442079460958"' in html
    assert f"Monday{DASH}Friday 08:00{DASH}18:00" in html


def test_the_clinics_own_emergency_notice_goes_as_written(booked, inbox, run_worker, clinic_details):
    clinic_details.emergency_notice = "For urgent help call 111; in an emergency call 999."
    clinic_details.save()
    run_worker()
    [mail] = inbox.messages
    assert "For urgent help call 111; in an emergency call 999." in text_of(mail)
    assert "In an emergency, call" not in text_of(mail) + html_of(mail)


def test_an_email_shows_no_hours_when_the_clinic_set_none(book, day, inbox, run_worker):
    book(day, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com")
    run_worker()
    [mail] = inbox.messages
    assert "Opening hours" not in text_of(mail) + html_of(mail)
    assert "In an emergency, call 112." in text_of(mail)


def book_again_link(mail) -> str:
    plain = text_of(mail)
    [link] = re.findall(r"To book again:\n(\S+)", plain)
    html_links = [unescape(href) for href in re.findall(r'<a href="([^"]+)"[^>]*>Book again</a>', html_of(mail))]
    assert html_links == [link]
    return link


def test_book_again_in_the_cancellation_offers_the_same_types_times_with_the_same_practitioner(
    api, client, booked, inbox, run_worker, make_practitioner, consultation, day, settings
):
    # Someone else offers consultations too, in the afternoon: the link must not fall back to "anyone".
    make_practitioner("beth-jones", types=[consultation], hours=((time(14), time(16)),))
    run_worker()
    cancel(api, booked)
    run_worker()
    [cancellation] = [mail for mail in inbox.messages if mail["Subject"].startswith("Cancelled")]
    link = book_again_link(cancellation)

    assert link.startswith(settings.SITE_URL)
    url = urlsplit(link)
    assert (url.path, url.query) == ("/book/consultation/calendar/", "with=clinic")
    for private in ("Ada", "Lovelace", "ada@example.com", booked["booking_id"], booked["manage_token"]):
        assert private not in link

    calendar = client.get(f"{url.path}?{url.query}")
    assert calendar.status_code == 200
    assert "Consultation With Clinic." in text(calendar)
    form = re.search(r'<form method="get" action="([^"]+)"', calendar.content.decode()).group(1)
    times = client.get(unescape(form).split("#")[0], {"with": "clinic", "date": day.isoformat()})
    page = text(times)
    assert f"Free times on {day:%A} {day.day} {day:%B %Y}" in page
    offered = re.findall(r'class="time" name="start" value="([0-9:]+)"', times.content.decode())
    assert offered[0] == "09:00" and "10:00" in offered  # the cancelled time is free again
    assert "With Clinic." in page


def test_book_again_falls_back_to_the_type_when_the_practitioner_no_longer_offers_it(
    api, booked, inbox, run_worker, clinic, consultation, make_practitioner
):
    make_practitioner("beth-jones", types=[consultation])
    cancel(api, booked)
    clinic.appointment_types.remove(consultation)
    run_worker()
    [cancellation] = [mail for mail in inbox.messages if mail["Subject"].startswith("Cancelled")]
    assert urlsplit(book_again_link(cancellation)).path == "/book/consultation/"
