"""Secrets never travel where logs keep them: no hold id in any path or query the server sees, a hold that
became a booking leads nowhere, and an e-mailed link's token is swapped at first use for a short-lived
cookie, scoped to that booking's pages, then the URL loses it."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from http.cookies import Morsel, SimpleCookie

import pytest
import time_machine

from booking_page.tests.html import form_to, text
from booking_page.tests.patient import PATIENT
from scheduling import bookings, clinic_time, links
from scheduling.models import AppointmentType, Booking
from waitlist import notices, offers
from waitlist.freed import record
from waitlist.models import Entry

pytestmark = pytest.mark.django_db

REQUESTS = "scheduling.requests"


def slot(day, start: str) -> bookings.RequestedSlot:
    return bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), day, time.fromisoformat(start))


def logged_paths(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == REQUESTS]


def choose(client, day, start):
    return client.post("/book/consultation/times/", {"date": day.isoformat(), "start": start})


def book_on_the_page(client, day, start):
    """Through the page as a browser goes, following any redirect: returns the last answer."""
    answer = choose(client, day, start)
    if answer.status_code in (301, 302, 303):  # how the page went before hold ids left URLs
        answer = client.get(answer.url)
    form = form_to(answer, r"/book/(?!details/release/)[^?]*")  # the details form, not "choose another time"
    answer = client.post(form.pop("action"), {**form, **PATIENT}, follow=True)
    assert "You are booked" in text(answer)
    return answer


def test_booking_on_the_page_and_through_the_api_logs_no_hold_id(client, api, clinic, tomorrow, caplog):
    caplog.set_level(logging.INFO, logger=REQUESTS)
    book_on_the_page(client, tomorrow, "10:00")
    on_the_page = logged_paths(caplog)
    assert len(on_the_page) >= 2
    assert not [line for line in on_the_page if "hold_" in line]
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "11:00"},
        format="json",
    ).json()
    assert api.post("/api/calendly/book", {"hold_id": held["hold_id"], **PATIENT}, format="json").status_code == 200
    let_go = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "12:00"},
        format="json",
    ).json()
    assert api.post("/api/calendly/holds/release", {"hold_id": let_go["hold_id"]}, format="json").status_code == 204

    lines = logged_paths(caplog)
    assert len(lines) >= 6
    assert Booking.objects.filter(status="confirmed").count() == 2
    assert not [line for line in lines if "hold_" in line]


def test_every_old_hold_address_leads_nowhere(client, api, clinic, tomorrow, caplog):
    """A hold id read from an old log opens nothing: not the booking it became, nor a live hold."""
    caplog.set_level(logging.INFO, logger=REQUESTS)
    booked_id = bookings.hold(slot(tomorrow, "10:00"))[1]
    bookings.confirm_hold(bookings.find_hold(booked_id), patient=bookings.PatientDetails.named_in(PATIENT))
    live_id = bookings.hold(slot(tomorrow, "11:00"))[1]
    token = bookings.manage_token(Booking.objects.get(status="confirmed").reference)

    for hold_id in (booked_id, live_id):
        for answer in (
            client.get(f"/book/hold/{hold_id}/"),
            client.post(f"/book/hold/{hold_id}/", PATIENT),
            api.get(f"/api/calendly/holds/{hold_id}"),
            api.delete(f"/api/calendly/holds/{hold_id}"),
        ):
            assert answer.status_code == 410, answer
            assert "Location" not in answer and not answer.cookies
            body = answer.content.decode()
            for private in (token, "Mary", "mary@example.com", "7946", "Knee"):
                assert private not in body
    assert Booking.objects.get(status="held").events.count() == 1  # the live hold is still held, untouched
    assert Booking.objects.filter(status="confirmed").count() == 1
    lines = logged_paths(caplog)
    assert len(lines) == 8
    assert not [line for line in lines if booked_id in line or live_id in line]


def test_a_booked_holds_id_sent_again_in_the_form_leads_nowhere(client, clinic, tomorrow):
    details = choose(client, tomorrow, "10:00")
    form = form_to(details, r"/book/details/")
    assert "You are booked" in text(client.post(form.pop("action"), {**form, **PATIENT}))
    again = client.post("/book/details/", {**form, **PATIENT})
    assert again.status_code == 410
    assert "Location" not in again and not again.cookies
    reference = Booking.objects.get().reference
    for secret in (reference, bookings.manage_token(reference), "Mary"):
        assert secret not in again.content.decode()


@pytest.fixture
def confirmed(clinic, tomorrow) -> Booking:
    booking, _ = bookings.book(
        slot(tomorrow, "14:00"),
        patient=bookings.PatientDetails.named_in(PATIENT),
    )
    return booking


@pytest.fixture
def offered(confirmed, tomorrow):
    """A patient waiting for `tomorrow`, offered the 14:00 once Mary cancels it."""
    entry = Entry.objects.create(
        appointment_type=confirmed.appointment_type,
        earliest_date=tomorrow,
        latest_date=tomorrow,
        patient_name="Grace Hopper",
        patient_email="grace@example.com",
    )
    bookings.cancel(confirmed, by=bookings.PATIENT)
    [offer] = offers.offer_freed_time(record(clinic_time.days(tomorrow, tomorrow), None, "test"))
    assert offer.entry == entry
    return offer


def emailed_links(kind: str, confirmed: Booking, offered) -> str:
    return {
        "manage": lambda: links.patients_manage_url(confirmed),
        "offer": lambda: links.patients_offer_url(offered.hold),
        "waitlist entry": lambda: notices.patients_url(offered.entry),
    }[kind]()


def link_cookie(response) -> tuple[str, Morsel]:
    """The one cookie the answer sets, as its Set-Cookie header says it."""
    [(name, morsel)] = SimpleCookie(response.cookies.output(header="")).items()
    return name, morsel


@pytest.mark.parametrize("kind", ["manage", "offer", "waitlist entry"])
def test_an_emailed_links_token_becomes_a_short_lived_cookie_and_leaves_the_url(
    client, confirmed, tomorrow, kind, request, settings
):
    offered = request.getfixturevalue("offered") if kind != "manage" else None
    link = emailed_links(kind, confirmed, offered).removeprefix(settings.SITE_URL.rstrip("/"))
    path, token = link.split("?token=")

    first = client.get(link)
    assert first.status_code == 303
    assert first["Location"] == path  # the same page, without the token
    _, cookie = link_cookie(first)
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == path  # that booking's (entry's, offer's) pages only
    assert cookie["max-age"] == "3600"
    assert not cookie["secure"]  # this test site is plain HTTP
    assert token in cookie.value  # signed, with the time it was given

    page = client.get(path)
    assert page.status_code == 200
    assert "?token=" not in page.content.decode() and token not in page.content.decode().split("<form")[0]

    with time_machine.travel(clinic_time.now() + timedelta(hours=1, minutes=1)):
        assert client.get(path).status_code == 404  # the cookie's signature says when it was given


def test_the_cookie_is_secure_on_an_https_site(client, confirmed, settings):
    settings.SESSION_COOKIE_SECURE = True  # what DJANGO_HTTPS=true sets
    link = links.manage_url(confirmed, bookings.manage_token(confirmed.reference))
    assert link_cookie(client.get(link))[1]["secure"] is True
    settings.SESSION_COOKIE_SECURE = False
    assert link_cookie(client.get(link, secure=True))[1]["secure"] is True


@pytest.mark.parametrize("kind", ["manage", "offer", "waitlist entry"])
def test_a_wrong_token_sets_no_cookie_and_shows_nothing(client, confirmed, kind, request, settings):
    offered = request.getfixturevalue("offered") if kind != "manage" else None
    path = emailed_links(kind, confirmed, offered).removeprefix(settings.SITE_URL.rstrip("/")).split("?")[0]
    for wrong in (f"{path}?token=wrong", f"{path}?token=", path):
        answer = client.get(wrong)
        assert answer.status_code == 404
        assert not answer.cookies
        assert "Mary" not in text(answer) and "Grace" not in text(answer)


def test_a_cookie_opens_only_the_booking_it_was_given_for(client, confirmed, tomorrow):
    other, _ = bookings.book(slot(tomorrow, "15:00"), patient=bookings.PatientDetails("Ann Lee"))
    name, cookie = link_cookie(client.get(links.manage_url(confirmed, bookings.manage_token(confirmed.reference))))
    # The test client sends every cookie it has, whatever its path: the server still refuses this one.
    client.cookies[name] = cookie.value
    assert client.get(f"/manage/{other.reference}/").status_code == 404
    assert client.get(f"/manage/{confirmed.reference}/").status_code == 200


def test_the_cookie_alone_cancels_nothing(client, confirmed):
    """A change must carry the token in its form's body: another site can make the browser send the cookie
    (or could, if SameSite failed), never the token."""
    client.get(links.manage_url(confirmed, bookings.manage_token(confirmed.reference)))
    assert client.get(f"/manage/{confirmed.reference}/").status_code == 200  # the cookie opens the page
    forged = client.post(f"/manage/{confirmed.reference}/", {"intent": "cancel", "reason": "forged"})
    assert forged.status_code == 404
    assert Booking.objects.get(pk=confirmed.pk).status == "confirmed"


def test_the_move_pages_work_from_the_cookie_and_carry_no_token(client, confirmed, tomorrow):
    token = bookings.manage_token(confirmed.reference)
    client.get(links.manage_url(confirmed, token))
    day = client.get(f"/manage/{confirmed.reference}/move/times/?date={tomorrow}")
    assert day.status_code == 200
    body = day.content.decode()
    assert "token=" not in body  # no link or GET form carries it
    move = form_to(day, rf"/manage/{confirmed.reference}/move/times/")
    assert move["token"] == token  # the time buttons post it in their body
    confirm = client.post(move.pop("action"), {**move, "start": "15:30"})
    assert "token=" not in confirm.content.decode()
    confirmation = form_to(confirm, rf"/manage/{confirmed.reference}/move/times/")
    assert confirmation["token"] == token  # the confirmation posts it in its body too
    moved = client.post(confirmation.pop("action"), {**confirmation, "confirm": "yes"})
    assert moved.status_code == 303 and moved["Location"] == f"/manage/{confirmed.reference}/?done=moved"
    assert "Your booking is moved" in text(client.get(moved["Location"]))
