"""Booking a course of weekly visits on the booking page, as a patient without JavaScript does: the form,
its preview, the details, the confirmation, then the course's own page from its e-mailed link."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape
from urllib.parse import urlencode

import pytest

from booking_page.tests.html import form_to, text, urls_in
from booking_page.tests.patient import PATIENT
from scheduling import bookings, links
from scheduling.models import AppointmentType, Booking, BookingSeries

pytestmark = pytest.mark.django_db
# A date as the pages show it, "Thursday 10 December 2026" (the page's text puts a space before its comma).
DAY = r"\w+day \d+ \w+ \d{4}"


@pytest.fixture
def therapy(clinic) -> AppointmentType:
    """Therapy (60 minutes, on the hour from 09:00) opted in to courses."""
    therapy = AppointmentType.objects.get(slug="therapy")
    therapy.allow_series = True
    therapy.save()
    return therapy


@pytest.fixture
def first_day(today):
    return today + timedelta(days=7)


def course_query(first_day, **changes) -> dict:
    query = {
        "practitioner": "",
        "weekdays": str(first_day.isoweekday()),
        "start_time": "10:00",
        "interval": "1",
        "start_date": first_day.isoformat(),
        "ends": "count",
        "count": "4",
        "until": "",
        "on_conflict": "skip",
    }
    query.update(changes)
    return query


def preview(client, first_day, type_="therapy", **changes):
    return client.get(f"/book/{type_}/course/", course_query(first_day, **changes))


def details_url(preview_page) -> str:
    [url] = [url for url in urls_in(preview_page) if "/course/details/" in url]
    return url


def taken_by_someone_else(therapy, day, at="10:00") -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(therapy, day, time.fromisoformat(at)), patient=bookings.PatientDetails("Grace Hopper")
    )
    return booking


def book_course(client, first_day, **changes):
    """Preview, continue, send the details: returns the confirmation."""
    details = client.get(details_url(preview(client, first_day, **changes)))
    assert details.status_code == 200, text(details)[:500]
    form = form_to(details, r"/book/therapy/course/details/")
    return client.post(form.pop("action"), {**form, **PATIENT})


def test_the_types_page_offers_a_course_only_for_types_that_allow_one(client, therapy):
    assert "Book a course" in text(client.get("/book/therapy/"))
    assert "/book/therapy/course/" in urls_in(client.get("/book/therapy/"))
    consultation = client.get("/book/consultation/")
    assert "Book a course" not in text(consultation)
    assert not [url for url in urls_in(consultation) if "/course/" in url]


def test_a_type_without_courses_refuses_the_form_and_its_details(client, therapy, first_day):
    for answer in (
        client.get("/book/consultation/course/"),
        preview(client, first_day, type_="consultation", start_time="10:00"),
        client.get("/book/consultation/course/details/", course_query(first_day)),
        client.post(f"/book/consultation/course/details/?{urlencode(course_query(first_day))}", PATIENT),
    ):
        assert answer.status_code == 404
        assert "cannot be booked as a course online" in text(answer)
    assert not Booking.objects.exists() and not BookingSeries.objects.exists()


def test_the_form_asks_for_days_time_length_and_what_to_do_with_taken_dates(client, therapy):
    page = client.get("/book/therapy/course/")
    assert page.status_code == 200
    shown = text(page)
    for asked in (
        "Who would you like to see?",
        "On which days of the week?",
        "Tuesday",
        "At what time?",
        "How often?",
        "The course ends",
        "Every 2 weeks",
        "Number of visits",
        "On a last day",
        "Skip them and book the other dates",
        "Add as many dates at the end of the course instead",
        "Book nothing unless every date can be booked",
    ):
        assert asked in shown
    assert "The course's dates" not in shown  # no preview before the form is sent
    assert 'method="get"' in page.content.decode()  # a preview writes nothing: a plain GET form


def test_the_preview_shows_each_date_a_conflict_and_its_alternatives_and_books_nothing(client, therapy, first_day):
    taken_by_someone_else(therapy, first_day)
    page = preview(client, first_day)
    assert page.status_code == 200
    shown = text(page)
    assert "3 of 4 dates can be booked. Nothing is booked yet." in shown
    dates = re.findall(rf"Visit (\d) ({DAY}) , 10:00 (Free|Taken)", shown)
    assert [(index, status) for index, _, status in dates] == [
        ("1", "Taken"),
        ("2", "Free"),
        ("3", "Free"),
        ("4", "Free"),
    ]
    assert dates[0][1] == f"{first_day:%A} {first_day.day} {first_day:%B %Y}"
    assert "This time is already booked. This date will be skipped." in shown
    assert "Free that day: Try 09:00 for every visit Try 11:00 for every visit" in shown
    [try_nine] = [url for url in urls_in(page) if "start_time=09%3A00" in url]
    assert "Visit 1" in text(client.get(try_nine))
    assert "Grace" not in shown  # who else booked is nobody's business
    assert Booking.objects.count() == 1 and not BookingSeries.objects.exists()


def test_confirming_books_every_date_numbered_from_one_and_lists_them(client, therapy, first_day):
    confirmation = book_course(client, first_day)
    assert confirmation.status_code == 200
    shown = text(confirmation)
    assert "Your course is booked" in shown
    assert "A confirmation with every date is on its way to mary@example.com." in shown
    series = BookingSeries.objects.get()
    visits = list(series.bookings.order_by("series_index"))
    assert [v.series_index for v in visits] == [1, 2, 3, 4]
    assert [v.starts_at.date() for v in visits] == [first_day + timedelta(weeks=n) for n in range(4)]
    assert {v.status for v in visits} == {"confirmed"} and {v.patient_name for v in visits} == {"Mary Jones"}
    assert len(re.findall(rf"Visit \d {DAY} , 10:00 Booked", shown)) == 4
    opened = form_to(confirmation, rf"/manage/course/{series.reference}/")
    assert opened["token"] == bookings.manage_token(series.reference)
    assert not [url for url in urls_in(confirmation) if opened["token"] in url]


def test_a_skip_course_books_the_free_dates_and_says_which_it_skipped(client, therapy, first_day):
    taken_by_someone_else(therapy, first_day)
    shown = text(book_course(client, first_day))
    assert "3 Therapy visits" in shown
    assert re.search(rf"Visit 1 {DAY} , 10:00 Taken .*This date was skipped", shown)
    series = BookingSeries.objects.get()
    assert sorted(series.bookings.values_list("series_index", flat=True)) == [2, 3, 4]


def test_an_extend_course_adds_dates_at_the_end_in_the_preview_and_books_them(client, therapy, first_day):
    taken_by_someone_else(therapy, first_day)
    shown = text(preview(client, first_day, on_conflict="extend"))
    assert re.search(rf"Visit 5 {DAY} , 10:00 Free \(added at the end\)", shown)
    book_course(client, first_day, on_conflict="extend")
    assert sorted(BookingSeries.objects.get().bookings.values_list("series_index", flat=True)) == [2, 3, 4, 5]


def test_an_all_or_nothing_course_with_a_taken_date_cannot_go_on(client, therapy, first_day):
    taken_by_someone_else(therapy, first_day)
    page = preview(client, first_day, on_conflict="fail")
    assert "While this date cannot be booked, nothing can be." in text(page)
    assert "Continue with" not in text(page)
    details = client.get("/book/therapy/course/details/", course_query(first_day, on_conflict="fail"))
    assert details.status_code == 302 and details.url.startswith("/book/therapy/course/?")
    assert not BookingSeries.objects.exists()


def test_a_date_taken_between_the_preview_and_the_booking_books_nothing_all_or_nothing(client, therapy, first_day):
    details = client.get(details_url(preview(client, first_day, on_conflict="fail")))
    taken_by_someone_else(therapy, first_day + timedelta(weeks=2))
    form = form_to(details, r"/book/therapy/course/details/")
    refused = client.post(form.pop("action"), {**form, **PATIENT})
    assert refused.status_code == 409
    assert "Some dates were just taken, so nothing was booked." in text(refused)
    assert re.search(rf"Visit 3 {DAY} , 10:00 Taken", text(refused))
    assert not BookingSeries.objects.exists() and Booking.objects.count() == 1


def test_sending_the_details_again_books_nothing_more(client, therapy, first_day):
    details = client.get(details_url(preview(client, first_day)))
    form = form_to(details, r"/book/therapy/course/details/")
    action = form.pop("action")
    assert "Your course is booked" in text(client.post(action, {**form, **PATIENT}))
    again = client.post(action, {**form, **PATIENT})
    assert again.status_code == 410
    assert "already booked" in text(again)
    assert BookingSeries.objects.count() == 1 and Booking.objects.count() == 4
    assert "Mary" not in text(again)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"count": "1"}, "count", "A course has 2 to 52 visits."),
        ({"count": "53"}, "count", "A course has 2 to 52 visits."),
        ({"weekdays": []}, "weekdays", "Give at least one weekday."),
        ({"weekdays": ["1", "2", "3", "4"]}, "weekdays", "Give 1 to 3 different weekdays."),
        ({"start_time": "10:20"}, "start_time", "10:20 is not a Therapy slot"),
        ({"interval": "5"}, "interval", "Select a valid choice."),
        ({"ends": "until", "until": "2000-01-01"}, "until", "until cannot be before start_date."),
        ({"ends": "until", "until": ""}, "until", "Give the course's last day."),
        ({"start_time": "nine"}, "start_time", "Enter a valid time."),
    ],
)
def test_bad_input_shows_the_error_at_its_field(client, therapy, first_day, changes, field, message):
    page = preview(client, first_day, **changes)
    assert page.status_code == 200
    error = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page.content.decode(), re.S)
    assert error and message in unescape(error.group(1))
    assert "Please correct the following" in text(page)
    assert "The course's dates" not in text(page)
    details = client.get("/book/therapy/course/details/", course_query(first_day, **changes))
    assert details.status_code == 302  # back to the form, which says what is wrong
    assert not BookingSeries.objects.exists()


def test_a_type_asking_for_the_birth_date_asks_it_on_the_course_too(client, therapy, first_day):
    therapy.requires_birth_date = True
    therapy.save()
    details = client.get(details_url(preview(client, first_day)))
    assert "Date of birth (required)" in text(details)
    form = form_to(details, r"/book/therapy/course/details/")
    action = form.pop("action")
    missing = client.post(action, {**form, **PATIENT})
    assert re.search(r'id="id_patient_birth_date_error">This field is required', missing.content.decode())
    assert not BookingSeries.objects.exists()
    booked = client.post(action, {**form, **PATIENT, "patient_birth_date": "1980-05-17"})
    assert "Your course is booked" in text(booked)
    assert str(BookingSeries.objects.get().patient.birth_date) == "1980-05-17"


@pytest.fixture
def course(therapy, first_day) -> BookingSeries:
    from scheduling.bookings import series as courses
    from scheduling.slots.recurrence import Recurrence

    plan = courses.CoursePlan(therapy, Recurrence(first_day, (first_day.isoweekday(),), time(10), count=4))
    series, _, _ = courses.book_course(plan, patient=bookings.PatientDetails.named_in(PATIENT))
    return series


def open_course(client, course, settings) -> str:
    link = links.patients_course_url(course).removeprefix(settings.SITE_URL.rstrip("/"))
    swapped = client.get(link)
    assert swapped.status_code == 303 and "token" not in swapped.url
    return swapped.url


def test_the_courses_link_lists_every_visit_each_with_its_own_page(client, course, settings):
    page = client.get(open_course(client, course, settings))
    assert page.status_code == 200
    shown = text(page)
    assert "Your course of Therapy" in shown
    assert len(re.findall(rf"Visit \d {DAY} , 10:00 Confirmed", shown)) == 4
    for visit in course.bookings.all():
        assert form_to(page, rf"/manage/{visit.reference}/")["token"] == visit.manage_token
    assert "token=" not in page.content.decode()


def test_cancelling_this_and_all_following_leaves_the_earlier_visits(client, course, settings):
    here = open_course(client, course, settings)
    cancel = form_to(client.get(here), here)
    cancelled = client.post(cancel.pop("action"), {**cancel, "from_index": "3", "reason": "Feeling better"})
    assert cancelled.status_code == 303
    page = client.get(cancelled.url)
    assert "2 visits are cancelled" in text(page)
    statuses = dict(course.bookings.values_list("series_index", "status"))
    assert statuses == {1: "confirmed", 2: "confirmed", 3: "cancelled", 4: "cancelled"}
    assert len(re.findall(r"Cancel this and all following visits", text(page))) == 2


def test_visits_inside_the_cutoff_are_kept_and_the_page_says_so(client, course, settings, therapy):
    therapy.patient_change_cutoff_minutes = 8 * 24 * 60  # the first visit, a week away, is inside it
    therapy.save()
    here = open_course(client, course, settings)
    page = client.get(here)
    assert "Cancel this and all following visits" in text(page)
    cancel = form_to(page, here)
    answer = client.get(client.post(cancel.pop("action"), {**cancel, "from_index": "1"}).url)
    assert "3 visits are cancelled" in text(answer)
    assert "Kept, as they are too close to change online" in text(answer)
    statuses = dict(course.bookings.values_list("series_index", "status"))
    assert statuses == {1: "confirmed", 2: "cancelled", 3: "cancelled", 4: "cancelled"}


def test_a_wrong_token_looks_like_an_unknown_course_and_the_cookie_alone_cancels_nothing(client, course, settings):
    for wrong in (f"/manage/course/{course.reference}/?token=wrong", f"/manage/course/{course.reference}/"):
        answer = client.get(wrong)
        assert answer.status_code == 404 and "No course matches this link" in text(answer)
        assert "Mary" not in text(answer) and not answer.cookies
    assert client.get("/manage/course/sr_unknown/?token=x").status_code == 404
    open_course(client, course, settings)
    forged = client.post(f"/manage/course/{course.reference}/", {"intent": "cancel", "from_index": "1"})
    assert forged.status_code == 404
    assert set(course.bookings.values_list("status", flat=True)) == {"confirmed"}


def test_a_visits_page_names_its_course_and_opens_it_without_a_token_in_a_url(client, course):
    visit = course.bookings.get(series_index=2)
    opened = client.get(links.manage_url(visit, visit.manage_token))
    page = client.get(opened.url)
    assert "Visit 2 of your course of Therapy" in text(page)
    to_course = form_to(page, rf"/manage/course/{course.reference}/")
    assert "token=" not in page.content.decode()
    seen = client.post(to_course.pop("action"), to_course)
    assert seen.status_code == 303
    assert "Your course of Therapy" in text(client.get(seen.url))


def test_a_single_bookings_page_names_no_course(client, therapy, first_day):
    booking, token = bookings.book(
        bookings.RequestedSlot(therapy, first_day, time(11)), patient=bookings.PatientDetails.named_in(PATIENT)
    )
    page = client.get(client.get(links.manage_url(booking, token)).url)
    assert "See the whole course" not in text(page) and "of your course" not in text(page)
