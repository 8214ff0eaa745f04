"""The booking page as a browser without JavaScript sees it: every step up to the time a URL; choosing a
time answers with the details form, sending it with the confirmation (no secret in any URL)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_page.tests.html import form_to, forms, text, urls_in
from booking_page.tests.patient import PATIENT
from scheduling import bookings, clinic_time
from scheduling.cache import local_entries
from scheduling.models import AppointmentType, Booking, BookingEvent, Clinic

pytestmark = pytest.mark.django_db


def test_the_site_root_leads_to_the_booking_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/book/"


def test_the_first_step_lists_the_offered_appointment_types(client, clinic):
    AppointmentType.objects.create(slug="x-ray", name="X-ray", duration_minutes=20)  # nobody offers it
    page = text(client.get("/book/"))
    assert "Consultation 30 minutes" in page
    assert "Follow-up" in page and "Therapy" in page
    assert "X-ray" not in page


def test_the_second_step_offers_any_practitioner_first(client, clinic, make_practitioner, consultation):
    make_practitioner("dr-rao", types=[consultation], name="Dr Rao")
    response = client.get("/book/consultation/")
    page = text(response)
    assert page.index("Any available practitioner") < page.index("Dr Rao")
    assert 'href="/book/consultation/calendar/?with=dr-rao"' in response.content.decode()


def test_an_unknown_type_or_practitioner_is_a_page_not_an_error(client, clinic):
    assert client.get("/book/no-such-type/").status_code == 404
    response = client.get("/book/consultation/calendar/?with=nobody")
    assert response.status_code == 404
    assert "not offered" in text(response)


def test_the_month_shows_free_days_as_buttons_named_in_full(client, clinic, tomorrow):
    month = f"{tomorrow:%Y-%m}"
    body = client.get(f"/book/consultation/calendar/?month={month}").content.decode()
    name = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}"
    assert re.search(
        rf'<button type="submit" name="date" value="{tomorrow}"[^>]*aria-label="{name}, 16 times free"', body
    )
    yesterday = clinic_time.today() - timedelta(days=1)
    if yesterday.month == tomorrow.month:
        past = f"{yesterday:%A} {yesterday.day} {yesterday:%B %Y}"
        assert re.search(rf'disabled aria-label="{past}, no free times"', body)


def test_a_closed_day_is_disabled(client, make_practitioner, consultation, tomorrow):
    make_practitioner("dr-rao", types=[consultation], weekdays=[(tomorrow + timedelta(days=1)).weekday()])
    body = client.get(f"/book/consultation/calendar/?with=dr-rao&month={tomorrow:%Y-%m}").content.decode()
    assert re.search(rf'disabled aria-label="{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}, no free times"', body)


def test_the_month_costs_the_same_queries_whatever_the_clinic_holds(client, clinic, make_practitioner, tomorrow):
    consultation = AppointmentType.objects.get(slug="consultation")

    def queries_for_a_month() -> int:
        local_entries.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/book/consultation/calendar/?month={tomorrow:%Y-%m}").status_code == 200
        return len(queries)

    Clinic.load()  # the clinic's details row exists in any clinic that ran a day
    small = queries_for_a_month()
    for n in range(6):
        make_practitioner(f"dr-{n}", types=[consultation])
    for n, start in enumerate(["09:00", "10:00", "11:00", "12:00"]):
        bookings.book(
            bookings.RequestedSlot(consultation, tomorrow, time.fromisoformat(start)),
            patient=bookings.PatientDetails(f"Patient {n}"),
        )
    assert queries_for_a_month() == small
    # The clinic's details and its opening hours (for the footer), appointment types, their intake questions,
    # practitioners, their offers, their hours, time off, closures, the types' needs of rooms (none here), then
    # the bookings: each once, and all but the bookings cached until staff change them.
    assert small == 11


def test_choosing_a_time_holds_it_and_answers_with_the_details_step(client, clinic, choose_time, tomorrow):
    response = choose_time(tomorrow, "10:00")
    assert response.status_code == 200
    held = Booking.objects.get()
    assert held.status == Booking.Status.HELD
    assert held.events.get().channel == BookingEvent.Channel.BOOKING_PAGE
    assert form_to(response, "/book/details/")["hold_id"].startswith("hold_")  # in the form's body only
    assert not [url for url in urls_in(response) if "hold_" in url]
    page = text(response)
    assert "We are holding this time for you until" in page
    assert f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}, 10:00\u201310:30 (UTC)" in page


def test_choosing_another_time_lets_the_held_time_go_at_once(client, clinic, choose_time, tomorrow):
    details = choose_time(tomorrow, "10:00")
    release = form_to(details, "/book/details/release/")
    answer = client.post("/book/details/release/", release)
    assert answer.status_code == 302 and answer.url.startswith("/book/consultation/calendar/")
    assert Booking.objects.get().status == Booking.Status.RELEASED
    assert "10:00" in text(client.get(f"/book/consultation/times/?date={tomorrow.isoformat()}"))
    again = client.post("/book/details/release/", release)  # twice, or after it lapsed: nothing to let go
    assert again.status_code == 302 and Booking.objects.get().status == Booking.Status.RELEASED


def test_a_time_taken_meanwhile_shows_just_taken_with_the_nearest_free_times(
    client, clinic, book, choose_time, tomorrow
):
    assert book(tomorrow, "10:00").status_code == 200
    response = choose_time(tomorrow, "10:00")
    assert response.status_code == 302
    query = parse_qs(urlparse(response.url).query)
    assert query["taken"] == ["10:00"] and query["date"] == [tomorrow.isoformat()]
    page = text(client.get(response.url))
    assert "10:00 was just taken. These are the nearest free times:" in page
    assert f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}, 09:30 UTC" in page
    assert f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}, 10:30 UTC" in page
    assert Booking.objects.count() == 1


def test_details_errors_name_their_fields_and_book_nothing(client, clinic, choose_time, send_details, tomorrow):
    details = choose_time(tomorrow, "11:00")
    response = send_details(details, {"patient_name": "", "patient_email": "not-an-address", "patient_phone": "12"})
    assert response.status_code == 200
    assert form_to(response, "/book/details/")["hold_id"] == form_to(details, "/book/details/")["hold_id"]
    body = response.content.decode()
    assert re.search(r'<input[^>]*name="patient_email"[^>]*aria-invalid="true"', body) or re.search(
        r'<input[^>]*aria-invalid="true"[^>]*name="patient_email"', body
    )
    assert (
        'id="id_patient_email_error"' in body
        and 'aria-describedby="id_patient_email_helptext id_patient_email_error"' in body
    )
    page = text(response)
    assert "Full name: This field is required." in page
    assert "E-mail: Enter a valid email address." in page
    assert "Phone: Enter a phone number" in page
    assert Booking.objects.get().status == Booking.Status.HELD


def test_sending_details_books_the_held_time_once_and_the_hold_then_opens_nothing(
    client, clinic, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "11:00")
    first = send_details(details, PATIENT)
    again = send_details(details, PATIENT)  # a second click, the back button and submit, or a replay
    assert first.status_code == 200 and "You are booked" in text(first)
    assert again.status_code == 410
    assert "This time is already booked." in text(again)
    for private in ("Mary", "mary@example.com", "7946", "Knee", "token"):
        assert private not in again.content.decode()
    assert "Location" not in again and not again.cookies
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.patient_name, booking.patient_email, booking.reason_for_visit) == (
        "Mary Jones",
        "mary@example.com",
        "Knee pain",
    )


def test_the_confirmation_says_what_when_who_where_and_how_to_manage(client, clinic, book_on_page, tomorrow):
    Clinic.objects.update_or_create(pk=1, defaults={"name": "Riverside Practice", "address": "1 River Road\nLeeds"})
    response = book_on_page(tomorrow, "14:00")
    page = text(response)
    booking = Booking.objects.get()
    assert "You are booked" in page
    when = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B %Y}, 14:00\u201314:30 (UTC)"
    assert f"What Consultation When {when} Who Clinic" in page
    assert "Where Riverside Practice, 1 River Road Leeds" in page
    assert f"Booking reference: {booking.reference}" in page
    body = response.content.decode()
    token = bookings.manage_token(booking.reference)
    # The manage page and the .ics file are buttons that post the token: no address on the page carries it.
    assert {"action": f"/manage/{booking.reference}/", "token": token} in forms(response)
    assert {"action": f"/manage/{booking.reference}/appointment.ics", "token": token} in forms(response)
    assert not [url for url in urls_in(response) if "token" in url or token in url]
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', body).group(1)
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', body).group(1)
    start = clinic_time.at(tomorrow, time(14))
    assert f"dates={start:%Y%m%dT%H%M%SZ}" in google.replace("&amp;", "&").replace("%2F", "/")
    for link in (google, outlook):
        assert "Mary" not in link and "Knee" not in link


def test_the_ics_download_is_the_booking_as_one_event(client, clinic, book_on_page, tomorrow):
    download = form_to(book_on_page(tomorrow, "14:00"), r"/manage/[^/]+/appointment\.ics")
    booking = Booking.objects.get()
    response = client.post(download.pop("action"), download)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    ics = response.content.decode()
    assert f"UID:{booking.reference}@clinic-scheduling" in ics
    assert "METHOD:PUBLISH" in ics and "Knee" not in ics and "Mary" not in ics
    assert client.post(f"/manage/{booking.reference}/appointment.ics", {"token": "wrong"}).status_code == 404
    assert client.get(f"/manage/{booking.reference}/appointment.ics").status_code == 404  # no cookie yet


def test_a_wrong_manage_token_shows_nothing_of_the_booking(client, clinic, book_on_page, tomorrow):
    book_on_page(tomorrow, "14:00")
    booking = Booking.objects.get()
    for url in (
        f"/manage/{booking.reference}/?token=wrong",
        f"/manage/{booking.reference}/",
        f"/book/booked/{booking.reference}/?token=x",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "Mary" not in text(response)
        assert not response.cookies


def cancel_on(page, reason: str) -> tuple[str, dict]:
    """The cancel confirmation's form, filled in: its action and body (the token in it)."""
    [form] = [form for form in forms(page) if form.get("intent") == "cancel"]  # the data requests post there too
    return form.pop("action"), {**form, "reason": reason}


def confirm_move(client, times_page, start: str):
    """Press a time on the move's times page, then the confirmation's button: the answer to that."""
    move = form_to(times_page, r"/manage/[^/]+/move/times/")
    confirmation = client.post(move.pop("action"), {**move, "start": start})
    assert confirmation.status_code == 200 and "Move your booking?" in text(confirmation)
    form = form_to(confirmation, r"/manage/[^/]+/move/times/")
    return client.post(form.pop("action"), {**form, "confirm": "yes"})


def test_the_patient_cancels_with_a_reason(client, clinic, book_on_page, open_booking, tomorrow):
    manage = open_booking(book_on_page(tomorrow, "14:00"))
    shown = client.get(manage)
    assert "Patient Mary Jones Status Confirmed" in text(shown)
    assert not [form for form in forms(shown) if form.get("intent") == "cancel"]  # a step first, to see what it does
    step = client.get(f"{manage}?step=cancel")
    response = client.post(*cancel_on(step, "Feeling better"))
    assert response.status_code == 303 and response.url.endswith("?done=cancelled")
    booking = Booking.objects.get()
    assert (booking.status, booking.cancellation_reason, booking.cancelled_by) == (
        "cancelled",
        "Feeling better",
        "patient",
    )
    assert booking.events.last().channel == BookingEvent.Channel.BOOKING_PAGE
    page = text(client.get(response.url))
    assert "Your booking is cancelled." in page and "Status Cancelled" in page
    assert "Cancel this booking" not in page


def test_the_patient_moves_the_booking_into_time_its_own_slot_blocked(
    client, clinic, book_on_page, open_booking, tomorrow
):
    long_visit = AppointmentType.objects.create(
        slug="long-visit", name="Long visit", duration_minutes=60, slot_interval_minutes=30
    )
    clinic.appointment_types.add(long_visit)
    open_booking(book_on_page(tomorrow, "14:00", appointment_type="long-visit"))
    booking = Booking.objects.get()
    page = client.get(f"/manage/{booking.reference}/move/times/?date={tomorrow}")  # the cookie opens it
    times = text(page)
    assert "Free times on" in times and "14:00 UTC" in times and "14:30 UTC" in times  # its own time is free to it
    response = confirm_move(client, page, "14:30")
    assert response.status_code == 303 and response.url.endswith("?done=moved")
    booking.refresh_from_db()
    assert clinic_time.wall_clock(booking.starts_at) == "14:30"
    assert "Your booking is moved to the time below." in text(client.get(response.url))


def test_moving_into_a_taken_time_changes_nothing(client, clinic, book, book_on_page, tomorrow):
    book_on_page(tomorrow, "14:00")
    assert book(tomorrow, "16:00").status_code == 200
    reference = Booking.objects.get(patient_name="Mary Jones").reference
    token = bookings.manage_token(reference)
    response = client.post(
        f"/manage/{reference}/move/times/", {"token": token, "date": tomorrow.isoformat(), "start": "16:00"}
    )
    assert "taken=16%3A00" in response.url
    assert "16:00 was just taken." in text(client.get(response.url))
    assert clinic_time.wall_clock(Booking.objects.get(reference=reference).starts_at) == "14:00"


def test_contact_details_in_a_url_are_neither_used_nor_carried_on(client, clinic, tomorrow, today):
    """URLs end up in logs and history: an embedding site passes details by postMessage (embed.js)."""
    query = "name=Ann+Lee&email=ann%40example.com&phone=0113+496+0000&embed=1"
    steps = [
        client.get(f"/book/?{query}"),
        client.get(f"/book/consultation/?{query}"),
        client.get(f"/book/consultation/calendar/?{query}"),
        client.get(f"/book/consultation/times/?{query}&date={tomorrow}"),
        client.post(f"/book/consultation/times/?{query}", {"date": tomorrow.isoformat(), "start": "09:00"}),
        client.get(f"/book/consultation/waitlist/?{query}&date={today}"),
    ]
    for step in steps:
        assert step.status_code == 200
        body = step.content.decode()
        assert "Ann" not in body and "ann@example.com" not in body and "0113" not in body
        assert [url for url in urls_in(step) if "embed=1" in url]  # how the page is embedded still carries


def test_pages_may_be_framed_only_by_the_listed_origins(client, clinic):
    response = client.get("/book/")
    assert "frame-ancestors 'self';" in response["Content-Security-Policy"] + ";"
    assert "X-Frame-Options" not in response
    Clinic.objects.update_or_create(
        pk=1, defaults={"embed_origins": "https://www.example-clinic.com\nhttp://localhost:8080"}
    )
    response = client.get("/book/")
    assert (
        "frame-ancestors 'self' https://www.example-clinic.com http://localhost:8080"
        in response["Content-Security-Policy"]
    )
    assert not response.cookies


def test_messages_go_only_to_a_listed_origin(client, clinic):
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": "https://www.example-clinic.com"})
    listed = client.get("/book/?embed=1&origin=https://www.example-clinic.com").content.decode()
    assert 'data-embed-origin="https://www.example-clinic.com"' in listed
    unlisted = client.get("/book/?embed=1&origin=https://evil.example").content.decode()
    assert "data-embed-origin" not in unlisted


def test_the_embed_script_is_served_at_a_fixed_address(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "clinic-booking" in response.content.decode()


def test_the_api_and_emails_link_patients_to_the_manage_page(book, tomorrow, clinic):
    body = book(tomorrow, "09:00").json()
    assert body["manage_url"].endswith(f"/manage/{body['booking_id']}/?token={body['manage_token']}")


def test_a_lapsed_hold_whose_time_was_taken_says_it_is_no_longer_available_and_offers_the_nearest(
    client, clinic, book, choose_time, send_details, tomorrow
):
    details = choose_time(tomorrow, "15:00")
    Booking.objects.filter(status=Booking.Status.HELD).update(hold_expires_at=clinic_time.now() - timedelta(seconds=1))
    assert "We stopped holding this time for you." in text(send_details(details, {}))
    assert book(tomorrow, "15:00").status_code == 200  # someone else takes the lapsed time
    response = send_details(details, PATIENT)
    assert response.status_code == 302 and "taken=15%3A00" in response.url
    lost = client.get(response.url)
    page, shown = lost.content.decode(), text(lost)
    assert "15:00 is no longer available. These are the nearest free times:" in shown
    assert "just taken" not in shown
    notice = page.split('role="alert"')[1].split("</div>")[0]
    nearest = re.findall(r'name="start" value="(\d\d:\d\d)"', notice)
    assert nearest == ["14:00", "14:30", "15:30"]  # the nearest that day (an hour either side: the earlier)
    assert all(f'name="date" value="{tomorrow.isoformat()}"' in form for form in notice.split("<form")[1:])
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 1


def test_a_lapsed_hold_whose_time_is_still_free_says_it_can_be_chosen_again(client, clinic, choose_time, tomorrow):
    flow = f"/book/consultation/times/?date={tomorrow.isoformat()}&taken=15:00&lapsed=1"
    shown = text(client.get(flow))
    assert "Your hold on 15:00 ran out, but it is still free: you can choose it again below." in shown
    assert "nearest free times" not in shown


def test_a_lapsed_hold_nobody_needed_still_books(client, clinic, choose_time, send_details, tomorrow):
    details = choose_time(tomorrow, "15:00")
    Booking.objects.filter(status=Booking.Status.HELD).update(hold_expires_at=clinic_time.now() - timedelta(seconds=1))
    response = send_details(details, PATIENT)
    assert "You are booked" in text(response)
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_holding_from_the_page_spends_the_same_allowance_as_the_api(
    client, clinic, api, choose_time, tomorrow, isolated_cache
):
    isolated_cache["hold"] = "2/hour"
    assert (
        api.post(
            "/api/calendly/holds",
            {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "09:00"},
            format="json",
        ).status_code
        == 201
    )
    assert choose_time(tomorrow, "10:00").status_code == 200
    refused = choose_time(tomorrow, "11:00")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many times were held from your network." in text(refused)
    assert Booking.objects.count() == 2


def test_the_details_form_stores_the_name_as_the_api_does(client, clinic, book_on_page, tomorrow):
    book_on_page(tomorrow, "11:00", patient_name="Mary\u202e Jones\u200b")
    assert Booking.objects.get().patient_name == "Mary Jones"


@pytest.mark.parametrize("address", ["mary@[127.0.0.1]", "mary@localhost"])
def test_the_details_form_refuses_an_address_mail_cannot_reach(clinic, choose_time, send_details, tomorrow, address):
    response = send_details(choose_time(tomorrow, "11:00"), {**PATIENT, "patient_email": address})
    assert response.status_code == 200
    assert "E-mail: Enter an e-mail address with a domain name, such as name@example.com." in text(response)
    assert Booking.objects.get().status == Booking.Status.HELD


def test_a_post_from_another_website_holds_nothing_and_says_why(client, clinic, tomorrow):
    form = {"date": tomorrow.isoformat(), "start": "10:00"}
    response = client.post("/book/consultation/times/", form, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "This form was sent from another website." in text(response)
    assert not Booking.objects.exists()
    referred = client.post("/book/consultation/times/", form, headers={"Referer": "https://evil.example/page"})
    assert referred.status_code == 403
    assert client.post("/book/consultation/times/", form, headers={"Origin": "null"}).status_code == 403
    assert not Booking.objects.exists()


@pytest.mark.parametrize("origin", ["http://testserver", "https://www.example-clinic.com", None])
def test_a_post_from_the_site_a_listed_embedder_or_no_page_holds_the_time(client, clinic, tomorrow, origin):
    Clinic.objects.update_or_create(pk=1, defaults={"embed_origins": "https://www.example-clinic.com"})
    headers = {"Origin": origin} if origin else {}
    form = {"date": tomorrow.isoformat(), "start": "10:00"}
    response = client.post("/book/consultation/times/", form, headers=headers)
    assert response.status_code == 200  # the details form, for the time now held
    assert Booking.objects.get().status == Booking.Status.HELD
