"""Each practitioner's private calendar feed: their appointments with initials only, cheap to poll, and
nothing for a wrong or rotated token."""

from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from icalendar import Calendar

from scheduling import bookings, clinic_time
from scheduling.bookings import Actor, PatientDetails
from scheduling.bookings.series import CoursePlan, book_course
from scheduling.models import AppointmentType, Booking, PatientDataRead, Practitioner
from scheduling.slots.recurrence import Recurrence

pytestmark = pytest.mark.django_db


def issue_link(admin_client, practitioner) -> str:
    """The link as staff get it: from the admin action, shown once."""
    response = admin_client.post(
        reverse("admin:scheduling_practitioner_changelist"),
        {"action": "issue_calendar_feed_links", "_selected_action": [practitioner.pk]},
        follow=True,
    )
    [note] = [str(m) for m in get_messages(response.wsgi_request)]
    assert note.startswith(f"Calendar feed for {practitioner.name}: http://")
    return note.split(": ", 1)[1].split("testserver", 1)[-1].split("8000", 1)[-1]


@pytest.fixture
def feed_url(admin_client, clinic):
    return issue_link(admin_client, clinic)


def book(day, start, name, **kwargs) -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), day, start),
        patient=PatientDetails(name=name, email="p@example.com", reason_for_visit="Migraine"),
        **kwargs,
    )
    return booking


def events(response) -> list:
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_lists_the_practitioners_appointments_with_initials_only(client, feed_url, today):
    kept = book(today + timedelta(days=2), time(10), "Rahul Sharma")
    cancelled = book(today + timedelta(days=2), time(11), "Ada Lovelace")
    bookings.cancel(cancelled, by=Actor.integration("test"))
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = events(response)
    assert str(event["summary"]) == "Consultation: R. S."
    assert str(event["uid"]) == f"{kept.reference}@clinic-scheduling"
    assert event["dtstart"].dt == kept.starts_at
    body = response.content.decode()
    assert "Rahul" not in body and "Sharma" not in body and "Migraine" not in body and "p@example.com" not in body


def test_a_feed_sent_in_full_is_recorded_as_a_read_with_the_feed_as_reader(client, feed_url, today):
    kept = book(today + timedelta(days=2), time(10), "Rahul Sharma")
    bookings.cancel(book(today + timedelta(days=2), time(11), "Ada Lovelace"), by=Actor.integration("test"))
    first = client.get(feed_url, REMOTE_ADDR="198.51.100.7")
    assert first.status_code == 200
    reads = PatientDataRead.objects.values_list("actor", "actor_name", "booking", "action", "channel", "client_address")
    # Only the bookings the feed carried: the cancelled one is not in it.
    assert list(reads) == [(None, "calendar feed of clinic", kept.pk, "listed", "feed", "198.51.100.7")]
    assert client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304  # no patient data sent
    assert PatientDataRead.objects.count() == 1


def test_an_unchanged_feed_answers_304_and_a_change_shows(client, feed_url, today):
    book(today + timedelta(days=2), time(10), "Rahul Sharma")
    first = client.get(feed_url)
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get(feed_url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    book(today + timedelta(days=3), time(10), "Grace Hopper")
    changed = client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert len(events(changed)) == 2


def test_a_cancel_changes_the_feed(client, feed_url, today):
    booking = book(today + timedelta(days=2), time(10), "Rahul Sharma")
    first = client.get(feed_url)
    bookings.cancel(booking, by=Actor.integration("test"))
    after = client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert events(after) == []


def test_the_feed_covers_30_days_back_to_the_horizon(client, feed_url, clinic, today):
    # A visit 31 days ago, loaded as history (the write path refuses the past).
    old = Booking(
        practitioner=clinic,
        appointment_type=AppointmentType.objects.get(slug="consultation"),
        patient_name="Old Visit",
        starts_at=clinic_time.at(today - timedelta(days=31), time(10)),
        ends_at=clinic_time.at(today - timedelta(days=31), time(10, 30)),
        blocked_from=clinic_time.at(today - timedelta(days=31), time(10)),
        blocked_until=clinic_time.at(today - timedelta(days=31), time(10, 30)),
    )
    bookings.import_history([old])
    recent = book(today + timedelta(days=1), time(9), "New Visit")
    uids = {str(e["uid"]) for e in events(client.get(feed_url))}
    assert uids == {f"{recent.reference}@clinic-scheduling"}
    assert old.reference not in client.get(feed_url).content.decode()


def test_a_wrong_token_an_unknown_practitioner_and_a_rotated_token_get_404(admin_client, client, clinic, feed_url):
    assert client.get(feed_url.replace("token=", "token=x")).status_code == 404
    assert client.get(feed_url.replace("/clinic.ics", "/nobody.ics")).status_code == 404
    assert client.get("/calendars/clinic.ics").status_code == 404
    new_url = issue_link(admin_client, clinic)
    assert client.get(feed_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_without_a_link_issued_no_feed_exists(client, make_practitioner):
    practitioner = make_practitioner("dr-new", types=AppointmentType.objects.all())
    assert Practitioner.objects.get(pk=practitioner.pk).feed_token_digest == ""
    assert client.get("/calendars/dr-new.ics?token=").status_code == 404


def test_a_group_session_is_one_event_with_its_seats_and_no_names(client, feed_url, clinic, today):
    jabs = AppointmentType.objects.create(slug="jabs", name="Flu jab", duration_minutes=10, capacity=12)
    clinic.appointment_types.add(jabs)
    day = today + timedelta(days=2)
    seats = [
        bookings.book(bookings.RequestedSlot(jabs, day, time(10)), patient=PatientDetails(name=f"Ann Seat{n}"))[0]
        for n in range(3)
    ]
    bookings.cancel(seats[0], by=Actor.integration("test"))
    response = client.get(feed_url)
    [event] = events(response)
    assert str(event["summary"]) == "Flu jab: 2 of 12 seats"
    assert event["dtstart"].dt == seats[1].starts_at
    sequence = int(event["sequence"])
    assert "A. S." not in response.content.decode()
    bookings.book(bookings.RequestedSlot(jabs, day, time(10)), patient=PatientDetails(name="Ben Late"))
    [event] = events(client.get(feed_url))
    assert str(event["summary"]) == "Flu jab: 3 of 12 seats" and int(event["sequence"]) > sequence


def test_a_courses_visits_are_related_in_the_feed(client, feed_url, today):
    first_day = today + timedelta(days=2)
    plan = CoursePlan(
        AppointmentType.objects.get(slug="consultation"),
        Recurrence(first_day=first_day, weekdays=(first_day.isoweekday(),), wall_time=time(10), count=3),
    )
    series, _, _ = book_course(plan, patient=PatientDetails(name="Rahul Sharma"), by=Actor.integration("test"))
    single = book(first_day, time(12), "Ada Lovelace")
    related = {str(event["uid"]): str(event.get("related-to", "")) for event in events(client.get(feed_url))}
    course_uid = f"{series.reference}@clinic-scheduling"
    assert related == {
        **{f"{visit.reference}@clinic-scheduling": course_uid for visit in series.bookings.all()},
        f"{single.reference}@clinic-scheduling": "",
    }
