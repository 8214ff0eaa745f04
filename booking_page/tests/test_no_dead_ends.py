"""No dead ends for a patient: a full day leads to its waitlist, a day past the horizon says how far ahead
the clinic books, and a field with a limit says it and refuses longer text instead of cutting it."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from booking_page.month import Month
from booking_page.tests.html import form_to, text
from booking_page.tests.patient import PATIENT
from scheduling import bookings
from scheduling.models import AppointmentType, Booking, ClinicClosure


def fill_day(day, slug="consultation"):
    """Every half hour of the prototype clinic's 09:00-17:00 booked."""
    kind = AppointmentType.objects.get(slug=slug)
    for minutes in range(9 * 60, 17 * 60, 30):
        slot = bookings.RequestedSlot(kind, day, time(minutes // 60, minutes % 60))
        bookings.book(slot, patient=bookings.PatientDetails("Someone Else"))


def month_page(client, day):
    return client.get(f"/book/consultation/calendar/?month={Month.of(day)}")


def day_cell(page, day) -> str:
    """The month's cell for `day`: its button or link."""
    found = re.search(rf"<td>(?:(?!</td>).)*?{day:%A} {day.day} {day:%B %Y}(?:(?!</td>).)*</td>", page, re.S)
    assert found, f"no cell for {day}"
    return found.group(0)


def query_of(url: str) -> dict:
    return {key: values[-1] for key, values in parse_qs(urlparse(unescape(url)).query).items()}


def waitlist_hint_url(page: str) -> str:
    return re.search(r'class="waitlist-hint">.*?href="([^"]+)"', page, re.S).group(1)


@pytest.fixture
def full_day(clinic, today):
    day = today + timedelta(days=3)
    fill_day(day)
    return day


def test_a_full_day_in_the_month_is_a_link_to_its_waitlist_named_as_full(client, full_day):
    cell = day_cell(month_page(client, full_day).content.decode(), full_day)
    assert "disabled" not in cell and "<a " in cell
    label = f"{full_day:%A} {full_day.day} {full_day:%B %Y}, fully booked: join the waitlist for this day"
    assert f'aria-label="{label}"' in cell
    href = unescape(re.search(r'href="([^"]+)"', cell).group(1))
    assert href.startswith("/book/consultation/waitlist/") and query_of(href) == {"date": full_day.isoformat()}
    form = client.get(href)
    assert form.status_code == 200
    assert f'name="earliest_date" value="{full_day.isoformat()}"' in form.content.decode()
    assert f'name="latest_date" value="{full_day.isoformat()}"' in form.content.decode()


def test_a_closed_day_stays_disabled_not_full(client, clinic, today):
    closed = today + timedelta(days=4)
    ClinicClosure.objects.create(name="Training", first_day=closed, last_day=closed)
    cell = day_cell(month_page(client, closed).content.decode(), closed)
    assert "disabled" in cell and "no free times" in cell and "waitlist" not in cell


def test_the_page_wide_waitlist_link_defaults_to_the_month_shown(client, clinic, today):
    month = Month.of(today).next()
    page = client.get(f"/book/consultation/calendar/?month={month}").content.decode()
    url = waitlist_hint_url(page)
    assert query_of(url) == {"month": str(month)}
    form = client.get(unescape(url)).content.decode()
    assert f'name="earliest_date" value="{month.first_day.isoformat()}"' in form
    assert f'name="latest_date" value="{month.last_day.isoformat()}"' in form


def test_this_months_waitlist_starts_today(client, clinic, today):
    form = client.get(f"/book/consultation/waitlist/?month={Month.of(today)}").content.decode()
    assert f'name="earliest_date" value="{today.isoformat()}"' in form
    assert f'name="latest_date" value="{Month.of(today).last_day.isoformat()}"' in form


def test_the_page_wide_waitlist_link_on_a_chosen_day_defaults_to_that_day(client, clinic, today):
    day = today + timedelta(days=5)
    page = client.get(f"/book/consultation/times/?date={day.isoformat()}").content.decode()
    assert query_of(waitlist_hint_url(page)) == {"date": day.isoformat()}


def test_joining_from_a_month_keeps_the_month_in_the_forms_action(client, clinic, today):
    month = Month.of(today).next()
    response = client.get(f"/book/consultation/waitlist/?month={month}")
    assert query_of(form_to(response, "/book/consultation/waitlist/")["action"]) == {"month": str(month)}


@pytest.fixture
def twelve_weeks(db):
    AppointmentType.objects.filter(slug="consultation").update(horizon_days=84)


def test_a_day_past_the_horizon_says_how_far_ahead_the_clinic_books(client, clinic, today, twelve_weeks):
    last = today + timedelta(days=84)
    response = client.get(f"/book/consultation/times/?date={(last + timedelta(days=1)).isoformat()}")
    shown = text(response)
    beyond = last + timedelta(days=1)
    assert f"{beyond:%A} {beyond.day} {beyond:%B %Y} is not open for booking yet" in shown
    assert f"Bookings open up to 12 weeks ahead, until {last:%A} {last.day} {last:%B %Y}." in shown
    assert f"{beyond:%A} {beyond.day} {beyond:%B %Y}, not open for booking yet" in response.content.decode()
    assert "No free times are left" not in shown
    assert "Join the waitlist for this day" not in shown
    assert "/waitlist/?date=" not in response.content.decode()


def test_a_horizon_of_days_not_weeks_is_said_in_days(client, clinic, today):
    AppointmentType.objects.filter(slug="consultation").update(horizon_days=10)
    last = today + timedelta(days=10)
    shown = text(client.get(f"/book/consultation/times/?date={(last + timedelta(days=3)).isoformat()}"))
    assert f"Bookings open up to 10 days ahead, until {last:%A} {last.day} {last:%B %Y}." in shown


def test_the_last_day_before_the_horizon_still_offers_its_times(client, clinic, today, twelve_weeks):
    last = today + timedelta(days=84)
    shown = text(client.get(f"/book/consultation/times/?date={last.isoformat()}"))
    assert "not open for booking yet" not in shown and "09:00" in shown
    assert f"Free times on {last:%A} {last.day} {last:%B %Y}" in shown


def test_the_month_the_horizon_cuts_says_so_below_its_days(client, clinic, today):
    last = (today + timedelta(days=62)).replace(day=15)  # mid-month, whatever today is
    AppointmentType.objects.filter(slug="consultation").update(horizon_days=(last - today).days)
    shown = text(client.get(f"/book/consultation/calendar/?month={Month.of(last)}"))
    assert f"ahead, until {last:%A} {last.day} {last:%B %Y}." in shown
    assert "Bookings open up to" not in text(client.get(f"/book/consultation/calendar/?month={Month.of(today)}"))


def test_the_month_arrows_stop_at_the_horizons_month(client, clinic, today, twelve_weeks):
    horizon_month = Month.of(today + timedelta(days=84))
    page = client.get(f"/book/consultation/calendar/?month={horizon_month}").content.decode()
    assert "next month" not in page and "previous month" in page
    beyond = client.get(f"/book/consultation/calendar/?month={horizon_month.next().next()}").content.decode()
    assert f'<h2 id="month-heading">{horizon_month.first_day:%B %Y}</h2>' in beyond


def test_a_waitlist_from_past_the_horizon_is_never_offered_beyond_it(client, clinic, today, twelve_weeks):
    last = today + timedelta(days=84)
    form = client.get(f"/book/consultation/waitlist/?date={(last + timedelta(days=20)).isoformat()}")
    assert f'name="latest_date" value="{last.isoformat()}"' in form.content.decode()


def test_the_details_form_says_each_limit_and_sets_no_maxlength(client, clinic, choose_time, tomorrow):
    page = choose_time(tomorrow, "10:00").content.decode()
    assert "maxlength" not in page
    shown = unescape(text(choose_time(tomorrow, "11:00")))
    name_limit = Booking._meta.get_field("patient_name").max_length
    reason_limit = Booking._meta.get_field("reason_for_visit").max_length
    assert f"Up to {name_limit} characters." in shown
    assert f"Only the clinic's staff see this. Up to {reason_limit} characters." in shown
    assert f'data-limit="{name_limit}"' in page and 'id="id_patient_name_counter"' in page


@pytest.mark.parametrize(
    ("field", "label"), [("patient_name", "Full name"), ("reason_for_visit", "Reason for visit (optional)")]
)
def test_text_over_a_limit_is_refused_naming_the_field_never_cut(
    client, clinic, choose_time, send_details, tomorrow, field, label
):
    limit = Booking._meta.get_field(field).max_length
    details = choose_time(tomorrow, "10:00")
    response = send_details(details, {**PATIENT, field: "a" * (limit + 1)})
    assert response.status_code == 200
    shown = text(response)
    assert f"{label}: {label} can be at most {limit} characters; this has {limit + 1}. Please shorten it." in shown
    assert "a" * (limit + 1) in response.content.decode()  # what they typed is kept, whole, to shorten
    assert not Booking.objects.filter(status=Booking.Status.CONFIRMED).exists()


def test_text_at_the_limit_books(client, clinic, book_on_page, tomorrow):
    limit = Booking._meta.get_field("patient_name").max_length
    book_on_page(tomorrow, "10:00", patient_name="a" * limit)
    assert Booking.objects.get(status=Booking.Status.CONFIRMED).patient_name == "a" * limit


@pytest.mark.parametrize("field", ["patient_name", "reason_for_visit"])
def test_the_api_refuses_text_over_a_limit_naming_the_field(book, tomorrow, clinic, field):
    limit = Booking._meta.get_field(field).max_length
    response = book(tomorrow, "10:00", **{field: "a" * (limit + 1)})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Booking.objects.exists()


def test_the_waitlist_and_cancel_forms_say_their_limits_too(client, clinic):
    form = client.get("/book/consultation/waitlist/").content.decode()
    assert "maxlength" not in form and "Up to 200 characters." in text(client.get("/book/consultation/waitlist/"))
