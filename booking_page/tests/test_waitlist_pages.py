"""The waitlist on the booking page: a full day offers to join it, the patient's page shows their place
and lets them leave, and the offer e-mail's link shows the time with accept and decline."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine

from booking_page.tests.html import form_to, text
from scheduling import bookings, clinic_time
from scheduling.models import Booking
from waitlist import offers
from waitlist.freed import record
from waitlist.models import Entry, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(today):
    return today + timedelta(days=3)


@pytest.fixture
def full_day(day, consultation):
    """Every consultation on `day` booked; returns the 10:00 one."""
    made = {}
    for minutes in range(9 * 60, 17 * 60, 30):
        start = time(minutes // 60, minutes % 60)
        made[start], _ = bookings.book(
            bookings.RequestedSlot(consultation, day, start), patient=bookings.PatientDetails(f"P{minutes}")
        )
    return made[time(10)]


def join_on_page(client, day, **fields):
    form = {
        "earliest_date": day.isoformat(),
        "latest_date": day.isoformat(),
        "earliest_time": "",
        "latest_time": "",
        "patient_name": "Grace Hopper",
        "patient_email": "grace@example.com",
        "patient_phone": "",
        **fields,
    }
    return client.post(f"/book/consultation/waitlist/?date={day.isoformat()}", form)


def test_a_day_with_no_free_time_offers_the_waitlist(client, day, full_day):
    page = client.get(f"/book/consultation/times/?date={day.isoformat()}")
    assert "No free times are left on this day" in text(page)
    assert f'href="/book/consultation/waitlist/?date={day.isoformat()}"' in page.content.decode()
    form = client.get(f"/book/consultation/waitlist/?date={day.isoformat()}")
    assert form.status_code == 200
    assert "Join the waitlist" in text(form)
    assert f'value="{day.isoformat()}"' in form.content.decode()  # the day comes filled in


def test_joining_on_the_page_shows_the_place_in_line_and_leaving_works(client, day, full_day):
    Entry.objects.create(
        appointment_type=full_day.appointment_type,
        earliest_date=day,
        latest_date=day,
        patient_name="First",
        patient_email="first@example.com",
    )
    page = join_on_page(client, day, earliest_time="09:00", latest_time="12:00")
    assert page.status_code == 200  # the entry's page is the answer: its token stays out of the URL
    entry = Entry.objects.get(patient_name="Grace Hopper")
    assert (entry.earliest_time, entry.latest_time) == (time(9), time(12))
    assert "You are on the waitlist" in text(page)
    assert "Waiting: number 2 in line" in text(page)

    leave = form_to(page, rf"/waitlist/{entry.reference}/")
    left = client.post(leave.pop("action"), leave)
    assert left.status_code == 303
    assert "You have left the waitlist" in text(client.get(left.url))
    entry.refresh_from_db()
    assert entry.status == "left"


def test_the_page_reports_bad_input_on_its_field(client, day, full_day):
    page = join_on_page(client, day, latest_date=(day - timedelta(days=1)).isoformat(), patient_email="nope")
    assert page.status_code == 200
    words = text(page)
    assert "Please correct the following" in words
    assert "E-mail: Enter a valid email address." in words
    assert not Entry.objects.exists()
    too_short = join_on_page(client, day, earliest_time="10:00", latest_time="10:15")
    assert "Finished by (optional): From 10:00 to 10:15 is too short for a 30-minute Consultation." in text(too_short)


def test_a_wrong_token_looks_like_no_entry_at_all(client, day, full_day):
    join_on_page(client, day)
    entry = Entry.objects.get()
    assert client.get(f"/waitlist/{entry.reference}/?token=wrong").status_code == 404
    assert client.get(f"/waitlist/{entry.reference}/").status_code == 404
    opened = client.get(f"/waitlist/{entry.reference}/?token={entry.token}")
    assert opened.status_code == 303 and opened.url == f"/waitlist/{entry.reference}/"
    assert client.get(opened.url).status_code == 200


@pytest.fixture
def offered(day, full_day):
    """Grace in line, then the 10:00 consultation cancelled and offered to her (as the worker does)."""
    entry = Entry.objects.create(
        appointment_type=full_day.appointment_type,
        earliest_date=day,
        latest_date=day,
        patient_name="Grace Hopper",
        patient_email="grace@example.com",
    )
    bookings.cancel(full_day, by=bookings.PATIENT)
    [offer] = offers.offer_freed_time(record(clinic_time.days(day, day), None, "test"))
    assert offer.entry == entry
    return offer


def offer_url(offer: Offer) -> str:
    return f"/offer/{offer.hold.reference}/?token={bookings.manage_token(offer.hold.reference)}"


def test_the_offer_page_shows_the_time_and_accepting_books_it(client, offered):
    page = client.get(offer_url(offered), follow=True)
    words = text(page)
    assert "A time has come free for you" in words
    assert "10:00–10:30" in words  # noqa: RUF001 - the page writes a time range with an en dash
    assert "We are holding this time for you until" in words
    answer = form_to(page, rf"/offer/{offered.hold.reference}/")
    accepted = client.post(answer.pop("action"), {**answer, "answer": "accept"})
    assert accepted.status_code == 200
    assert "You are booked" in text(accepted)
    assert Booking.objects.get(pk=offered.hold_id).patient_name == "Grace Hopper"


def answer(client, offer: Offer, answer: str):
    """The offer page's form, as the e-mailed link opens it and the patient presses a button."""
    return client.post(
        f"/offer/{offer.hold.reference}/", {"token": bookings.manage_token(offer.hold.reference), "answer": answer}
    )


def test_declining_on_the_page_keeps_the_patient_in_line(client, offered):
    declined = answer(client, offered, "decline")
    assert "You declined that time" in text(client.get(declined.url))
    assert "You declined this time" in text(client.get(offer_url(offered), follow=True))
    assert Booking.objects.get(pk=offered.hold_id).status == "released"


def test_an_offer_that_lapsed_says_so_and_cannot_be_accepted(client, offered):
    offered.expires_at = clinic_time.now() - timedelta(seconds=1)
    offered.save()
    page = answer(client, offered, "accept")
    assert page.status_code == 200
    assert "This offer has lapsed" in text(page)
    assert Booking.objects.get(pk=offered.hold_id).status == "held"


def test_a_wrong_offer_token_is_not_found(client, offered):
    assert client.get(f"/offer/{offered.hold.reference}/?token=nope").status_code == 404


def test_joining_spends_the_same_allowance_as_the_api(client, api, day, full_day, isolated_cache):
    isolated_cache["waitlist"] = "2/hour"
    body = {
        "appointment_type": "consultation",
        "earliest_date": day.isoformat(),
        "latest_date": day.isoformat(),
        "patient_name": "Grace Hopper",
        "patient_email": "grace@example.com",
    }
    assert api.post("/api/calendly/waitlist", body, format="json").status_code == 201
    assert join_on_page(client, day).status_code == 200
    refused = join_on_page(client, day)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many waitlist entries came from your network." in text(refused)
    assert Entry.objects.count() == 2


@pytest.mark.parametrize(
    ("offset", "can_cancel"),
    [(-timedelta(seconds=1), True), (timedelta(0), False), (timedelta(seconds=1), False)],
    ids=["a second before the cutoff", "at the cutoff", "a second after the cutoff"],
)
def test_the_accept_link_leads_to_a_booking_under_the_same_patient_rules(client, offered, offset, can_cancel):
    """Once accepted, the offer e-mail's link opens the patient's booking: cancelling it there follows the
    type's cutoff like any booking's."""
    kind = offered.hold.appointment_type
    kind.patient_change_cutoff_minutes = 12 * 60
    kind.save()
    answer(client, offered, "accept")
    booking = Booking.objects.get(pk=offered.hold_id)
    with time_machine.travel(booking.starts_at - timedelta(hours=12) + offset, tick=False):
        manage_page = client.get(offer_url(offered), follow=True)
        cancel = {"token": bookings.manage_token(booking.reference), "intent": "cancel", "reason": ""}
        cancelled = client.post(f"/manage/{booking.reference}/", cancel)  # the button, or posted anyway
    assert ("Cancel this booking" in text(manage_page)) is can_cancel
    assert Booking.objects.get(pk=booking.pk).status == ("cancelled" if can_cancel else "confirmed")
    if not can_cancel:
        assert "up to 12 hours before the start. Please call the clinic." in text(cancelled)


def test_an_offer_link_ends_with_its_held_time(client, offered, settings):
    settings.MANAGE_LINK_DAYS_AFTER_VISIT = 30
    with time_machine.travel(offered.hold.ends_at + timedelta(days=30), tick=False):
        page = client.get(offer_url(offered))
    assert page.status_code == 410
    assert "This link has expired" in text(page)
    assert "Grace" not in page.content.decode()
