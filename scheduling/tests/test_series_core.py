"""Courses of treatment in the core: what the preview says of each date, the policies, who takes each visit,
the horizons, and visits changed one at a time or from one on."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from scheduling import bookings, clinic_time, tokens
from scheduling.bookings import series as courses
from scheduling.bookings.series import CoursePlan, CourseRefused, book_course, cancel_course, preview
from scheduling.models import AppointmentType, Booking, BookingEvent, BookingSeries, ClinicClosure, TimeOff
from scheduling.rules import BookingRuleBroken, RequestedSlot, SlotUnavailable
from scheduling.slots.recurrence import Recurrence

pytestmark = pytest.mark.django_db

STAFF = bookings.Actor(BookingEvent.Actor.STAFF, "desk")
ANN = bookings.PatientDetails("Ann Lee", "ann.lee@example.org")


@pytest.fixture
def monday(today):
    """The first Monday at least a week away."""
    return today + timedelta(days=7 + (7 - today.weekday()) % 7)


def weekly(appointment_type, first_day, count=6, wall_time=time(9), **plan) -> CoursePlan:
    recurrence = Recurrence(first_day, (first_day.isoweekday(),), wall_time, count=count)
    return CoursePlan(appointment_type, recurrence, **plan)


def statuses(reports) -> list[str]:
    return [report.status for report in reports]


def test_the_preview_says_why_each_date_cannot_be_booked_and_writes_nothing(clinic, consultation, monday, book):
    book(monday + timedelta(weeks=1), "09:00", patient_name="Sam Taken")
    ClinicClosure.objects.create(
        name="Bank holiday", first_day=monday + timedelta(weeks=2), last_day=monday + timedelta(weeks=2)
    )
    away = clinic_time.at(monday + timedelta(weeks=3), time(8))
    TimeOff.objects.create(practitioner=clinic, starts_at=away, ends_at=away + timedelta(hours=4))
    before = (Booking.objects.count(), BookingSeries.objects.count())

    reports = preview(weekly(consultation, monday, count=5), by=STAFF)

    assert statuses(reports) == ["available", "conflict", "closed", "time_off", "available"]
    assert reports[1].detail == "This time is already booked."
    assert reports[2].detail == "The clinic is closed that day."
    assert [alt["start_time"] for alt in reports[1].alternatives] == ["09:30", "10:00", "10:30"]
    assert {alt["date"] for alt in reports[1].alternatives} == {str(monday + timedelta(weeks=1))}
    assert reports[2].alternatives == ()  # the clinic is closed all day: nothing to offer
    assert (Booking.objects.count(), BookingSeries.objects.count()) == before


def test_alternatives_are_the_nearest_free_times_that_day(clinic, consultation, monday, book):
    taken_day = monday + timedelta(weeks=1)
    for start in ("09:00", "09:30", "10:00"):
        book(taken_day, start, patient_name="Sam Taken")
    report = preview(weekly(consultation, monday, count=2, wall_time=time(9, 30)), by=STAFF)[1]
    assert report.status == "conflict"
    # The clinic opens at 09:00: the nearest free times are after the three taken ones.
    assert [alt["start_time"] for alt in report.alternatives] == ["10:30", "11:00", "11:30"]


def test_fail_books_every_date_or_none(clinic, consultation, monday, book):
    series, _, token = book_course(weekly(consultation, monday), patient=ANN, by=STAFF)
    assert [b.series_index for b in series.bookings.order_by("starts_at")] == [1, 2, 3, 4, 5, 6]
    assert {b.patient_id for b in series.bookings.all()} == {series.patient_id}
    assert courses.opened_by(series.reference, token) == series
    assert courses.opened_by(series.reference, "not-the-token") is None

    book(monday + timedelta(weeks=9), "10:00", patient_name="Sam Taken")
    before = Booking.objects.count()
    with pytest.raises(CourseRefused) as refused:
        book_course(weekly(consultation, monday + timedelta(weeks=6), wall_time=time(10)), patient=ANN, by=STAFF)
    assert "1 of the course's 6 dates cannot be booked" in refused.value.message
    assert Booking.objects.count() == before and BookingSeries.objects.count() == 1


def test_the_database_has_the_last_word_between_preview_and_write(clinic, consultation, monday, monkeypatch):
    """Someone takes the fifth date after the preview said it was free: the whole `fail` course rolls back."""
    plan = weekly(consultation, monday)
    seen = preview(plan, by=STAFF)
    fifth = monday + timedelta(weeks=4)
    bookings.book(RequestedSlot(consultation, fifth, time(9)), patient=bookings.PatientDetails("Sam Taken"), by=STAFF)
    monkeypatch.setattr(courses, "preview", lambda *args, **kwargs: seen)
    before = Booking.objects.count()
    with pytest.raises(CourseRefused) as refused:
        book_course(plan, patient=ANN, by=STAFF)
    assert [r.index for r in refused.value.dates if not r.bookable] == [5]
    assert Booking.objects.count() == before and not BookingSeries.objects.exists()
    assert not Booking.objects.filter(patient_name="Ann Lee").exists()


def test_skip_books_the_free_dates_and_extend_replaces_the_others_at_the_end(clinic, consultation, monday, book):
    for week in (1, 3):
        book(monday + timedelta(weeks=week), "09:00", patient_name="Sam Taken")
    skipped, skip_reports, _ = book_course(weekly(consultation, monday, on_conflict="skip"), patient=ANN, by=STAFF)
    assert sorted(skipped.bookings.values_list("series_index", flat=True)) == [1, 3, 5, 6]
    assert statuses(skip_reports) == ["booked", "conflict", "booked", "conflict", "booked", "booked"]

    later = monday + timedelta(weeks=10)
    book(later + timedelta(weeks=1), "11:00", patient_name="Sam Taken")
    extended, _, _ = book_course(
        weekly(consultation, later, wall_time=time(11), on_conflict="extend"), patient=ANN, by=STAFF
    )
    assert sorted(extended.bookings.values_list("series_index", flat=True)) == [1, 3, 4, 5, 6, 7]
    assert extended.bookings.count() == 6
    assert max(extended.bookings.values_list("starts_at", flat=True)) == clinic_time.at(
        later + timedelta(weeks=6), time(11)
    )


def test_extend_never_goes_past_twice_the_span(clinic, consultation, monday, book):
    # Four weekly dates span three weeks: extending may reach week 6, no further. Weeks 1-5 are taken.
    for week in range(1, 6):
        book(monday + timedelta(weeks=week), "09:00", patient_name="Sam Taken")
    series, reports, _ = book_course(weekly(consultation, monday, count=4, on_conflict="extend"), patient=ANN, by=STAFF)
    assert [r.occurrence.day for r in reports if r.status == "booked"] == [monday, monday + timedelta(weeks=6)]
    assert series.bookings.count() == 2


def test_nothing_bookable_refuses_every_policy(clinic, consultation, monday):
    ClinicClosure.objects.create(name="Refurbishment", first_day=monday, last_day=monday + timedelta(weeks=12))
    for policy in ("skip", "extend"):
        with pytest.raises(CourseRefused, match="None of the course's dates"):
            book_course(weekly(consultation, monday, count=3, on_conflict=policy), patient=ANN, by=STAFF)
    assert not Booking.objects.exists() and not BookingSeries.objects.exists()


def test_any_practitioner_prefers_the_one_who_took_the_first_visit(clinic, consultation, monday, make_practitioner):
    other = make_practitioner("dr-other", types=[consultation])
    away = clinic_time.at(monday + timedelta(weeks=2), time(0))
    first = preview(weekly(consultation, monday, count=2), by=STAFF)[0].practitioner
    second = other if first == clinic else clinic
    TimeOff.objects.create(practitioner=first, starts_at=away, ends_at=away + timedelta(days=1))
    # The fourth week `first` already has a patient in the afternoon: left to itself, the assignment would give
    # the visit to whoever has fewer bookings that day.
    fourth_week = monday + timedelta(weeks=3)
    bookings.book(
        RequestedSlot(consultation, fourth_week, time(15), first), patient=bookings.PatientDetails("Sam"), by=STAFF
    )
    series, _, _ = book_course(weekly(consultation, monday, count=4), patient=ANN, by=STAFF)
    taken_by = [b.practitioner for b in series.bookings.order_by("series_index")]
    assert taken_by == [first, first, second, first]


def test_patients_book_courses_only_of_types_that_allow_them_within_the_horizon(clinic, consultation, monday):
    with pytest.raises(BookingRuleBroken) as refused:
        preview(weekly(consultation, monday), by=bookings.PATIENT)
    assert (refused.value.field, refused.value.code) == ("appointment_type", "series_not_allowed")
    AppointmentType.objects.filter(pk=consultation.pk).update(allow_series=True, horizon_days=30)
    consultation.refresh_from_db()
    patient_view = preview(weekly(consultation, monday, count=8), by=bookings.PATIENT)
    staff_view = preview(weekly(consultation, monday, count=8), by=STAFF)
    horizon = clinic_time.now() + timedelta(days=30)
    assert statuses(patient_view) == [
        "available" if r.occurrence.start <= horizon else "beyond_horizon" for r in patient_view
    ]
    assert "beyond_horizon" in statuses(patient_view)
    assert statuses(staff_view) == ["available"] * 8


def test_staff_book_up_to_52_weeks_ahead(clinic, consultation, today):
    AppointmentType.objects.filter(pk=consultation.pk).update(horizon_days=30)
    consultation.refresh_from_db()
    first_day = today + timedelta(weeks=50)
    reports = preview(weekly(consultation, first_day, count=4), by=STAFF)
    horizon = clinic_time.now() + timedelta(weeks=52)
    assert [r.status for r in reports] == [
        "available" if clinic_time.at(r.occurrence.day, time(9)) <= horizon else "beyond_horizon" for r in reports
    ]
    assert statuses(reports).count("beyond_horizon") >= 1


@pytest.mark.parametrize(
    ("recurrence", "field"),
    [
        (dict(count=1), "count"),
        (dict(count=53), "count"),
        (dict(count=4, until_weeks=4), "count"),
        (dict(count=None, until_weeks=-1), "until"),
        (dict(interval=5), "interval"),
        (dict(interval=0), "interval"),
        (dict(weekdays=()), "weekdays"),
        (dict(weekdays=(1, 2, 3, 4)), "weekdays"),
        (dict(wall_time=time(9, 10)), "start_time"),
    ],
)
def test_a_course_that_cannot_be_asked_for_names_the_field(clinic, consultation, monday, recurrence, field):
    until_weeks = recurrence.pop("until_weeks", None)
    values = {"weekdays": (1,), "wall_time": time(9), "count": 4, **recurrence}
    until = monday + timedelta(weeks=until_weeks) if until_weeks is not None else None
    plan = CoursePlan(consultation, Recurrence(monday, until=until, **values))
    with pytest.raises(BookingRuleBroken) as refused:
        preview(plan, by=STAFF)
    assert refused.value.field == field


def test_one_visit_moves_or_cancels_alone_and_keeps_its_number(clinic, consultation, monday):
    series, _, _ = book_course(weekly(consultation, monday, count=4), patient=ANN, by=STAFF)
    third = series.bookings.get(series_index=3)
    untouched = {b.pk: (b.starts_at, b.revision) for b in series.bookings.exclude(pk=third.pk)}
    moved = bookings.reschedule(
        third, RequestedSlot(consultation, third.starts_at.date() + timedelta(days=1), time(14)), by=STAFF
    )
    assert (moved.series_id, moved.series_index) == (series.pk, 3)
    bookings.cancel(series.bookings.get(series_index=2), by=STAFF, reason="holiday")
    assert {b.pk: (b.starts_at, b.revision) for b in series.bookings.exclude(series_index__in=[2, 3])} == {
        pk: seen for pk, seen in untouched.items() if pk != series.bookings.get(series_index=2).pk
    }
    assert series.bookings.get(series_index=2).status == "cancelled"


def test_cancelling_from_one_visit_on_leaves_past_checked_in_and_completed_visits(clinic, consultation, today):
    first_day = today + timedelta(days=1)
    booked_at = clinic_time.now()
    series, _, _ = book_course(weekly(consultation, first_day, count=5), patient=ANN, by=STAFF, now=booked_at)
    visits = list(series.bookings.order_by("series_index"))
    two_weeks_on = clinic_time.at(first_day + timedelta(weeks=1), time(9, 10))  # visit 2 under way
    bookings.check_in(visits[1], by=STAFF, now=two_weeks_on)
    cancelled, kept = cancel_course(series, from_index=1, reason="moved away", by=STAFF, now=two_weeks_on)
    assert [b.series_index for b in cancelled] == [3, 4, 5]
    assert kept == []
    status = dict(series.bookings.values_list("series_index", "status"))
    assert status == {1: "confirmed", 2: "checked_in", 3: "cancelled", 4: "cancelled", 5: "cancelled"}
    series.refresh_from_db()
    assert series.status == "cancelled"


def test_patients_cannot_cancel_visits_inside_the_cutoff(clinic, consultation, today):
    AppointmentType.objects.filter(pk=consultation.pk).update(patient_change_cutoff_minutes=48 * 60, allow_series=True)
    consultation.refresh_from_db()
    first_day = today + timedelta(days=1)
    series, _, _ = book_course(weekly(consultation, first_day, count=3), patient=ANN, by=STAFF)
    cancelled, kept = cancel_course(series, by=bookings.PATIENT)
    assert [b.series_index for b in cancelled] == [2, 3]
    assert [(b.series_index, error.code) for b, error in kept] == [(1, "too_late_to_change")]
    series.refresh_from_db()
    assert series.status == "active"  # its first visit still stands


def test_cancel_from_a_number_the_course_does_not_have(clinic, consultation, monday):
    series, _, _ = book_course(weekly(consultation, monday, count=2), patient=ANN, by=STAFF)
    with pytest.raises(BookingRuleBroken) as refused:
        cancel_course(series, from_index=7, by=STAFF)
    assert refused.value.field == "from_index"


def test_the_database_keeps_one_visit_per_number(clinic, consultation, monday):
    series, _, _ = book_course(weekly(consultation, monday, count=2), patient=ANN, by=STAFF)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(series_index=2).update(series_index=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSeries.objects.filter(pk=series.pk).update(count=60)


def test_staff_move_a_visit_far_ahead_as_far_as_a_course_may_reach(clinic, consultation, today):
    AppointmentType.objects.filter(pk=consultation.pk).update(horizon_days=30)
    consultation.refresh_from_db()
    first_day = today + timedelta(weeks=20)
    series, _, _ = book_course(weekly(consultation, first_day, count=2), patient=ANN, by=STAFF)
    visit = series.bookings.get(series_index=2)
    new_day = first_day + timedelta(weeks=1, days=1)
    moved = bookings.reschedule(visit, RequestedSlot(consultation, new_day, time(11)), by=STAFF)
    assert (clinic_time.local_date(moved.starts_at), moved.series_index) == (new_day, 2)
    with pytest.raises(BookingRuleBroken) as refused:
        bookings.reschedule(visit, RequestedSlot(consultation, new_day, time(12)), by=bookings.PATIENT)
    assert refused.value.code == "booking_horizon"


def test_the_courses_link_expires_as_its_last_visits_does(clinic, consultation, monday, settings):
    series, _, token = book_course(weekly(consultation, monday, count=3), patient=ANN, by=STAFF)
    last_end = max(series.bookings.values_list("ends_at", flat=True))
    expires = last_end + timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT)
    assert courses.opened_by(series.reference, token, now=expires - timedelta(seconds=1)) == series
    with pytest.raises(tokens.LinkExpired):
        courses.opened_by(series.reference, token, now=expires)
    assert courses.opened_by(series.reference, "", staff=True, now=expires) == series


def test_the_same_course_sent_twice_books_one(clinic, consultation, monday, make_practitioner):
    make_practitioner("dr-other", types=[consultation])  # free at the same times: the second would be bookable
    plan = weekly(consultation, monday, count=3)
    book_course(plan, patient=ANN, by=STAFF)
    before = Booking.objects.count()
    with pytest.raises(SlotUnavailable) as refused:
        book_course(plan, patient=ANN, by=STAFF)
    assert refused.value.code == "series_duplicate"
    assert Booking.objects.count() == before and BookingSeries.objects.count() == 1
    other = bookings.PatientDetails("Bea Lee", "bea.lee@example.org")
    assert book_course(weekly(consultation, monday, count=3, wall_time=time(10)), patient=other, by=STAFF)[0]


def test_a_course_far_off_is_refused_naming_its_start(clinic, consultation, today):
    for first_day in (today + timedelta(weeks=53), date.max - timedelta(days=3)):
        with pytest.raises(BookingRuleBroken) as refused:
            preview(weekly(consultation, first_day, count=52), by=STAFF)
        assert refused.value.field == "start_date"
    with pytest.raises(BookingRuleBroken) as refused:
        preview(CoursePlan(consultation, Recurrence(today, (1,), time(9), until=date.max)), by=STAFF)
    assert refused.value.field == "until"


def test_a_date_nobody_works_says_so_rather_than_naming_one(clinic, consultation, monday, make_practitioner):
    make_practitioner("dr-weekdays", types=[consultation], weekdays=range(5))
    clinic.opening_hours.filter(weekday=5).delete()  # the clinic's practitioner does not work Saturdays either
    saturday = monday + timedelta(days=5)
    report = preview(weekly(consultation, saturday, count=2), by=STAFF)[0]
    assert (report.status, report.detail) == ("closed", "Nobody offers Consultation then.")
    alone = preview(CoursePlan(consultation, weekly(consultation, saturday, count=2).recurrence, clinic), by=STAFF)
    assert alone[0].detail == "Clinic does not see patients then."
