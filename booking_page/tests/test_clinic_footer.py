"""Every booking page's footer carries the clinic's address, phone, opening hours and emergency notice, all
set by staff on the clinic details page of the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking_page.tests.html import text
from scheduling.models import Clinic

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Riverside Practice",
    "address": "12 Riverside Walk\r\nLondon SE1 9PX",
    "phone": "+44 20 7946 0958",
    "sender_email": "desk@riverside.example",
    "accent_colour": "#0b5cad",
    "emergency_number": "112",
    "opening_hours-INITIAL_FORMS": "0",
}
DASH = "\N{EN DASH}"


def save(admin_client, hours=(), **fields):
    """The clinic details page's form as staff send it, with `hours` as (weekday, opens, closes) rows."""
    rows = {"opening_hours-TOTAL_FORMS": str(len(hours))}
    for i, (weekday, opens, closes) in enumerate(hours):
        rows |= {
            f"opening_hours-{i}-weekday": str(weekday),
            f"opening_hours-{i}-opens_at": opens,
            f"opening_hours-{i}-closes_at": closes,
        }
    Clinic.load()
    return admin_client.post(reverse("admin:scheduling_clinic_change", args=[1]), {**DETAILS, **rows, **fields})


WEEKDAYS_8_TO_18 = [(day, "08:00", "18:00") for day in range(5)]


def test_staff_set_the_details_and_every_page_shows_them(admin_client, client):
    response = save(admin_client, [*WEEKDAYS_8_TO_18, (5, "09:00", "12:30")])
    assert response.status_code == 302, response.context["adminform"].form.errors
    for path in ["/book/", "/book/consultation/", "/book/consultation/calendar/"]:
        page = client.get(path)
        assert "Riverside Practice 12 Riverside Walk London SE1 9PX" in text(page)
        assert 'Phone: <a href="tel:+442079460958">+44 20 7946 0958</a>' in page.content.decode()
        assert f"Opening hours Monday{DASH}Friday 08:00{DASH}18:00 Saturday 09:00{DASH}12:30" in text(page)
        assert 'In an emergency, call <a href="tel:112">112</a>.' in page.content.decode()


def test_a_page_that_says_something_is_wrong_has_the_footer_too(admin_client, client):
    save(admin_client, WEEKDAYS_8_TO_18)
    page = client.get("/book/no-such-type/")
    assert page.status_code == 404
    assert "This kind of appointment is not offered." in text(page)
    assert f"Monday{DASH}Friday 08:00{DASH}18:00" in text(page)
    assert 'In an emergency, call <a href="tel:112">112</a>.' in page.content.decode()


def test_the_emergency_notice_is_marked_as_such_for_screen_readers(admin_client, client):
    save(admin_client)
    body = client.get("/book/").content.decode()
    assert '<p class="emergency" role="note" aria-label="Emergency"><strong>In an emergency, call' in body


def test_the_clinics_own_notice_replaces_the_standard_sentence(admin_client, client):
    notice = "For urgent help out of hours call 111; in an emergency call 999."
    save(admin_client, emergency_notice=notice)
    page = text(client.get("/book/"))
    assert notice in page
    assert "In an emergency, call" not in page


def test_no_number_and_no_notice_show_no_emergency_notice(admin_client, client):
    save(admin_client, emergency_number="")
    body = client.get("/book/").content.decode()
    assert "emergency" not in body.lower()


def test_no_hours_set_show_no_opening_hours(admin_client, client):
    save(admin_client)
    page = text(client.get("/book/"))
    assert "Opening hours" not in page
    assert "Monday" not in page


def test_overlapping_hours_are_refused_and_nothing_is_saved(admin_client, client):
    response = save(admin_client, [(0, "08:00", "12:30"), (0, "12:00", "18:00")])
    assert response.status_code == 200
    assert f"Monday 08:00{DASH}12:30 overlaps Monday 12:00{DASH}18:00." in text(response)
    assert Clinic.load().opening_hours.count() == 0
    assert Clinic.load().name != "Riverside Practice"


def test_hours_closing_before_they_open_are_refused(admin_client):
    response = save(admin_client, [(0, "18:00", "08:00")])
    assert response.status_code == 200
    assert "Closing time must be after opening time." in text(response)
    assert Clinic.load().opening_hours.count() == 0


def test_an_emergency_number_that_is_not_one_is_refused(admin_client):
    response = save(admin_client, emergency_number="call us")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["emergency_number"] == [
        "Enter a phone number of 2 to 25 digits, spaces, dashes or brackets, optionally starting with +, "
        "for example 112."
    ]
    assert Clinic.load().emergency_number == "112"


def test_the_clinic_details_page_edits_hours_and_emergency(admin_client):
    save(admin_client, WEEKDAYS_8_TO_18)
    page = admin_client.get(reverse("admin:scheduling_clinic_change", args=[1]))
    assert page.status_code == 200
    assert "Emergencies" in text(page)
    assert 'name="emergency_number"' in page.content.decode()
    assert 'name="emergency_notice"' in page.content.decode()
    assert 'name="opening_hours-4-closes_at" value="18:00"' in page.content.decode()
