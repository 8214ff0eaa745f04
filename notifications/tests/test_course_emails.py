"""A course of treatment is confirmed by one e-mail listing every visit, through a real SMTP server, with a
calendar file of one event per visit. The file is read back by icalendar and by recurring-ical-events, as
calendar apps read it, and its instants are checked against python-dateutil's rrule, over a clock change:
09:00 stays 09:00 in London. Each visit is then reminded, moved and cancelled on its own."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import time_machine
from dateutil.rrule import WEEKLY, rrule

from notifications.models import Message
from outbox.tests.mail import html_of, invite_of, text_of
from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails
from scheduling.bookings.series import CoursePlan, book_course, opened_by
from scheduling.models import AppointmentType, Booking, OnConflict
from scheduling.slots.recurrence import Recurrence
from scheduling.tests.clock_changes import next_clock_change

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
REASON = "Frozen shoulder after a fall"
DESK = Actor.integration("desk")
VISITS = 8
BEFORE_CHANGE = 3  # visits before the clock change; the fourth falls on the day the clocks change


@pytest.fixture
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture(params=[True, False], ids=["spring-forward", "fall-back"])
def first_day(request, london, today):
    """A Sunday three weeks before the clocks change, at least a day from now: the course spans the change."""
    change = next_clock_change(LONDON, forward=request.param, after=today + timedelta(weeks=BEFORE_CHANGE))
    return change - timedelta(weeks=BEFORE_CHANGE)


def course(first_day, *, count=VISITS, on_conflict=OnConflict.FAIL, email="ada@example.com"):
    plan = CoursePlan(
        AppointmentType.objects.get(slug="consultation"),
        Recurrence(first_day=first_day, weekdays=(first_day.isoweekday(),), wall_time=time(9), count=count),
        on_conflict=on_conflict,
    )
    patient = PatientDetails(name="Ada Lovelace", email=email, reason_for_visit=REASON)
    series, reports, _ = book_course(plan, patient=patient, by=DESK)
    return series, reports


def visits(series) -> list[Booking]:
    return list(series.bookings.order_by("series_index"))


def oracle(first_day, count=VISITS) -> list[datetime]:
    """The course's starts by python-dateutil: weekly at 09:00 wall time in London."""
    return [
        moment.replace(tzinfo=LONDON)
        for moment in rrule(WEEKLY, dtstart=datetime.combine(first_day, time(9)), count=count)
    ]


def course_mail(inbox):
    [mail] = [m for m in inbox.messages if m["Subject"].startswith("Booked:")]
    return mail


def test_a_course_is_confirmed_once_listing_every_visit(first_day, inbox, run_worker):
    series, _ = course(first_day)
    booked = visits(series)
    assert Message.objects.filter(kind="confirmation").count() == 0  # no visit confirmed on its own
    run_worker()
    mail = course_mail(inbox)
    assert [m["Subject"] for m in inbox.messages] == [mail["Subject"]]
    assert mail["Subject"] == f"Booked: {VISITS} Consultation visits from {first_day:%A} {first_day.day} {first_day:%B}"
    assert mail["To"] == "Ada Lovelace <ada@example.com>"
    text = text_of(mail)
    lines = text.splitlines()
    assert f"Your course of {VISITS} visits is booked." in text
    assert f"Reference: {series.reference}" in text
    for number, starts in enumerate(oracle(first_day), start=1):
        day = starts.date()
        zone = f"Europe/London ({starts.tzname()})"
        assert f"{number}. {day:%A} {day.day} {day:%B %Y}, 09:00 to 09:30 {zone}" in lines
    assert {starts.tzname() for starts in oracle(first_day)} == {"GMT", "BST"}  # the course spans a change
    assert "could not be booked" not in text
    for visit in booked:
        assert visit.reference not in text  # one link for the course, not eight
    html = html_of(mail)
    assert html.count("<li ") == VISITS
    assert f'<li value="{BEFORE_CHANGE + 1}">' in html
    assert REASON not in mail.as_string()
    assert "shoulder" not in mail.as_string().lower()
    assert Message.objects.get(kind="course").status == "sent"


def test_the_emails_link_opens_the_course(first_day, inbox, run_worker, settings, api):
    series, _ = course(first_day)
    run_worker()
    [link] = [line for line in text_of(course_mail(inbox)).splitlines() if "token=" in line]
    assert link.startswith(settings.SITE_URL)
    url = urlsplit(link)
    assert url.path == f"/manage/course/{series.reference}/"
    token = url.query.removeprefix("token=")
    assert opened_by(series.reference, token) == series
    assert opened_by(series.reference, token[:-1] + "x") is None


def test_the_calendar_file_has_one_event_per_visit_at_the_oracles_instants(first_day, inbox, run_worker):
    series, _ = course(first_day)
    booked = visits(series)
    run_worker()
    method, calendar = invite_of(course_mail(inbox))
    assert method == "PUBLISH" and str(calendar["method"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert len(events) == VISITS
    assert [str(event["uid"]) for event in events] == [f"{visit.reference}@clinic-scheduling" for visit in booked]
    assert len({str(event["uid"]) for event in events}) == VISITS
    assert {str(event["related-to"]) for event in events} == {f"{series.reference}@clinic-scheduling"}
    assert [event["sequence"] for event in events] == [visit.revision for visit in booked]
    assert not any("rrule" in event for event in events)  # one event each: moving one moves no other

    expected = oracle(first_day)
    by_icalendar = [(event["dtstart"].dt, event["dtend"].dt) for event in events]
    assert by_icalendar == [(visit.starts_at, visit.ends_at) for visit in booked]
    assert [start for start, _ in by_icalendar] == expected
    assert {start.astimezone(LONDON).time() for start, _ in by_icalendar} == {time(9)}
    # Written as UTC instants: 09:00 in London is 09:00Z in winter and 08:00Z in summer.
    assert {start.astimezone(UTC).hour for start, _ in by_icalendar} == {8, 9}

    span_start, span_end = expected[0] - timedelta(days=1), expected[-1] + timedelta(days=1)
    expanded = recurring_ical_events.of(calendar).between(span_start, span_end)
    by_expansion = sorted((event["dtstart"].dt, event["dtend"].dt) for event in expanded)
    assert by_expansion == [(visit.starts_at, visit.ends_at) for visit in booked]
    assert [start for start, _ in by_expansion] == expected
    assert recurring_ical_events.of(calendar).between(expected[1], expected[2]) != []
    assert recurring_ical_events.of(calendar).between(span_end, span_end + timedelta(weeks=4)) == []


def test_dates_a_skip_course_could_not_book_are_named(first_day, inbox, run_worker, clinic):
    bookings.book(
        bookings.RequestedSlot(
            AppointmentType.objects.get(slug="consultation"), first_day + timedelta(weeks=2), time(9), horizon_days=364
        ),
        patient=PatientDetails(name="Grace Hopper", email="grace@example.com"),
        by=DESK,
    )
    Message.objects.all().delete()
    series, _ = course(first_day, on_conflict=OnConflict.SKIP)
    run_worker()
    mail = course_mail(inbox)
    assert mail["Subject"].startswith(f"Booked: {VISITS - 1} Consultation visits")
    lines = text_of(mail).splitlines()
    skipped_day = first_day + timedelta(weeks=2)
    said = lines.index("This date could not be booked, so it is not part of your course:")
    assert lines[said + 1 : said + 3] == [f"3. {skipped_day:%A} {skipped_day.day} {skipped_day:%B %Y} at 09:00", ""]
    assert "Grace" not in mail.as_string()  # who holds the date is not the patient's business
    _, calendar = invite_of(mail)
    assert len(calendar.walk("VEVENT")) == VISITS - 1
    assert [visit.series_index for visit in visits(series)] == [1, 2, 4, 5, 6, 7, 8]


def test_a_course_without_an_address_sends_nothing(first_day, inbox, run_worker):
    course(first_day, email="")
    run_worker()
    assert inbox.messages == []
    assert not Message.objects.exists()


def test_each_visit_is_reminded_on_its_own(first_day, inbox, run_worker):
    series, _ = course(first_day)
    booked = visits(series)
    [offset] = AppointmentType.objects.get(slug="consultation").reminder_minutes
    reminders = Message.objects.filter(kind="reminder").order_by("next_attempt_at")
    assert [(m.booking_id, m.next_attempt_at) for m in reminders] == [
        (visit.pk, visit.starts_at.astimezone(UTC) - timedelta(minutes=offset)) for visit in booked
    ]
    third = booked[2]
    run_worker()  # the course's confirmation
    with time_machine.travel(third.starts_at - timedelta(minutes=offset) + timedelta(seconds=1), tick=False):
        run_worker()
    [sent] = [m for m in inbox.messages if m["Subject"].startswith("Reminder:")]
    day = third.starts_at.astimezone(LONDON).date()
    assert f"When:  {day:%A} {day.day} {day:%B %Y}, 09:00 to 09:30" in text_of(sent)
    # The first two visits had begun: their reminders, due long before, are dropped, not sent late.
    earlier = Message.objects.filter(kind="reminder", booking__in=booked[:2])
    assert set(earlier.values_list("status", flat=True)) == {"cancelled"}
    assert Message.objects.filter(kind="reminder", status="pending").count() == VISITS - 3


def test_a_moved_visit_updates_its_own_event_only(first_day, inbox, run_worker):
    series, _ = course(first_day)
    booked = visits(series)
    run_worker()
    _, course_calendar = invite_of(course_mail(inbox))
    before = {str(event["uid"]): event for event in course_calendar.walk("VEVENT")}
    moving = booked[BEFORE_CHANGE]  # the visit on the day the clocks change
    moved = bookings.reschedule(
        moving,
        bookings.RequestedSlot(
            moving.appointment_type, moving.starts_at.astimezone(LONDON).date(), time(11), horizon_days=364
        ),
        by=DESK,
    )
    run_worker()
    [update] = [m for m in inbox.messages if m["Subject"].startswith("Moved:")]
    assert len(inbox.messages) == 2  # the course's confirmation and this update: the others are not touched
    method, calendar = invite_of(update)
    assert method == "REQUEST"
    [event] = calendar.walk("VEVENT")
    uid = f"{moving.reference}@clinic-scheduling"
    assert str(event["uid"]) == uid
    assert event["sequence"] > before[uid]["sequence"]
    assert str(event["related-to"]) == f"{series.reference}@clinic-scheduling"
    assert event["dtstart"].dt == moved.starts_at
    assert event["dtstart"].dt.astimezone(LONDON).time() == time(11)
    # The course's other visits are as they were: same revisions, times and index.
    for visit in visits(series):
        if visit.pk != moving.pk:
            event_before = before[f"{visit.reference}@clinic-scheduling"]
            assert (visit.revision, visit.starts_at) == (event_before["sequence"], event_before["dtstart"].dt)
    assert Booking.objects.get(pk=moving.pk).series_index == BEFORE_CHANGE + 1
    # Its reminder moved with it; the others' stay.
    pending = Message.objects.filter(kind="reminder", status="pending")
    assert pending.filter(booking=moving).get().next_attempt_at < moved.starts_at
    assert pending.count() == VISITS


def test_a_cancelled_visit_cancels_its_own_event(first_day, inbox, run_worker):
    series, _ = course(first_day)
    booked = visits(series)
    bookings.cancel(booked[0], by=DESK, reason="Feeling better")
    run_worker()
    [cancellation] = [m for m in inbox.messages if m["Subject"].startswith("Cancelled:")]
    method, calendar = invite_of(cancellation)
    assert method == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"{booked[0].reference}@clinic-scheduling"
    assert str(event["related-to"]) == f"{series.reference}@clinic-scheduling"
    assert str(event["status"]) == "CANCELLED"
    assert Message.objects.filter(kind="reminder", status="pending").count() == VISITS - 1
