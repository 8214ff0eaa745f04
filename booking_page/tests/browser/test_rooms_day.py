"""The day schedule's rooms view and a group session's attendees, in Chromium: a column per unit with each
claim at its time (turnover lighter after it), a session as one block of "n of N seats", and checking in
one attendee. Screenshots go to /tmp/shots-rooms/ for people to look at."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.tests.signin import sign_in_past_mfa
from scheduling import bookings, clinic_time
from scheduling.models import Booking
from scheduling.tests.resources import claim, seats, units
from scheduling.tests.staff import member_of

SHOTS = Path("/tmp/shots-rooms")


@pytest.fixture
def desk(site, new_context) -> Page:
    client = Client()
    sign_in_past_mfa(client, member_of("receptionist", "desk"))
    context = new_context(viewport={"width": 1280, "height": 1100})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    return context.new_page()


def test_rooms_view_and_a_sessions_check_in(desk, site, consultation, clinic, make_practitioner, today):
    pool = units("treatment-rooms", "room-1", "room-2", "room-3", turnover=15)
    halls = units("halls", "hall", kind="room")
    rao = make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    made = []
    for at, who, unit in ((time(9), clinic, "room-1"), (time(10), rao, "room-1"), (time(9, 30), rao, "room-2")):
        booking, _ = bookings.book(
            bookings.RequestedSlot(consultation, today + timedelta(days=1), at, who),
            patient=bookings.PatientDetails(name=f"Patient {at:%H%M}"),
        )
        claim(booking, unit, pool)
        made.append(booking)
    # Today, in the last hour of the day: the check-in is for today's appointments.
    late = clinic_time.days(today, today).end - timedelta(hours=1)
    session_seats = seats(consultation, clinic, late, ["Ann Lee", "Bob Ray"])
    for seat in session_seats:
        claim(seat, "hall", halls)
    tomorrow = today + timedelta(days=1)

    desk.goto(f"{site}/admin/scheduling/booking/day/?date={tomorrow.isoformat()}&view=rooms")
    columns = desk.locator(".rooms .column")
    expect(columns).to_have_count(4)
    expect(columns.nth(1)).to_contain_text("Consultation")  # room 1 (halls come first by name)
    expect(desk.locator(".rooms .turnover")).to_have_count(3)
    expect(desk.locator(".rooms")).not_to_contain_text("Patient 0900")
    SHOTS.mkdir(exist_ok=True)
    desk.screenshot(path=str(SHOTS / "rooms-view.png"), full_page=True)

    desk.goto(f"{site}/admin/scheduling/booking/day/?date={today.isoformat()}")
    expect(desk.get_by_text("2 of 12 seats")).to_be_visible()
    attendees = desk.locator(".attendees li")
    expect(attendees).to_have_count(2)
    desk.screenshot(path=str(SHOTS / "session-attendees.png"), full_page=True)
    attendees.filter(has_text="Ann Lee").get_by_role("button", name="Check in").click()
    expect(desk.locator(".messagelist")).to_contain_text("Checked in")
    expect(desk.locator(".attendees li").filter(has_text="Ann Lee")).to_contain_text("Checked in")
    assert Booking.objects.get(pk=session_seats[0].pk).status == Booking.Status.CHECKED_IN
    desk.goto(f"{site}/admin/scheduling/booking/day/?date={today.isoformat()}&view=rooms")
    expect(desk.locator(".rooms")).to_contain_text("2 of 12 seats")
    desk.screenshot(path=str(SHOTS / "rooms-today.png"), full_page=True)
