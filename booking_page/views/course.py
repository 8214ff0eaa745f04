"""Courses of treatment on the booking page: book a course of weekly visits, and the patient's own course.

Booking a course takes three pages, none needing JavaScript. The course's form is a GET form whose answer
is the same form with each date's preview below it (the core's `preview`: it writes nothing, and the
query names no one and holds no secret). "Continue" opens the details form for that plan; its POST books
the whole course (`book_course`, one transaction) and answers with the confirmation, which, like a single
booking's, has no URL of its own: one would have to carry the course's manage token. A one-time key in
the details form's body makes a second submit of it (a reload, a double click) book nothing more.

The course's page is opened by its e-mailed link, whose token is swapped for a cookie at once, or by the
confirmation's button posting it (booking_page/passes.py); "cancel this and all following visits" is
authorised only by the token in its form's body. A wrong token looks like an unknown course.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from booking_page.carry import Carry
from booking_page.forms import CancelForm, CourseForm, PatientDetailsForm
from booking_page.headers import page, wait_seconds
from booking_page.passes import Pass
from booking_page.views.common import CONFLICT, gone, not_found, offered_type, show, too_many
from scheduling import bookings, clinic_time
from scheduling.bookings import series as courses
from scheduling.models import AppointmentType, Booking, BookingEvent, BookingSeries, IdempotencyRecord
from scheduling.reference import reference_data
from scheduling.rules import BookingError, BookingRuleBroken
from scheduling.slots.recurrence import Recurrence

VIA = BookingEvent.Channel.BOOKING_PAGE
# A details form's one-time key, kept with the API's Idempotency-Keys (and purged with them).
ATTEMPTS = "booking_page:course"
LONGEST_ATTEMPT = 64

# What the preview says of a date, in the patient's words; the core's detail says why.
STATUS_LABELS = {
    courses.AVAILABLE: _lazy("Free"),
    courses.BOOKED: _lazy("Booked"),
    courses.CONFLICT: _lazy("Taken"),
    courses.CLOSED: _lazy("Cannot be booked"),
    courses.TIME_OFF: _lazy("Practitioner away"),
    courses.BEYOND_HORIZON: _lazy("Too far ahead"),
    courses.NONEXISTENT: _lazy("The clocks change"),
}
LEFT_OUT = {
    "skip": _lazy("This date will be skipped."),
    "extend": _lazy("This date will be skipped, and a date added at the end instead."),
    "fail": _lazy("While this date cannot be booked, nothing can be."),
}


@dataclass(frozen=True)
class DateRow:
    """One date of the preview or the confirmation, as the page shows it."""

    report: courses.DateReport
    label: str
    added: bool  # a date `extend` adds after the course's own
    alternatives: tuple[dict, ...] = ()

    @property
    def occurrence(self):
        return self.report.occurrence

    @property
    def bookable(self) -> bool:
        return self.report.bookable


def _course_type(slug: str) -> AppointmentType | None:
    offered = offered_type(slug)
    return offered if offered is not None and offered.allow_series else None


def _not_a_course(request) -> HttpResponse:
    return not_found(request, _("This kind of appointment cannot be booked as a course online."))


def _course_form(data, appointment_type: AppointmentType) -> CourseForm:
    return CourseForm(
        data,
        initial={"start_date": clinic_time.today() + timedelta(days=1)},
        practitioners=reference_data().offering[appointment_type.pk],
        step_minutes=appointment_type.slot_interval_minutes or appointment_type.duration_minutes,
    )


def _plan(form: CourseForm, appointment_type: AppointmentType) -> courses.CoursePlan:
    data = form.cleaned_data
    practitioner = next(
        (p for p in reference_data().offering[appointment_type.pk] if p.slug == data["practitioner"]), None
    )
    recurrence = Recurrence(
        first_day=data["start_date"],
        weekdays=tuple(data["weekdays"]),
        wall_time=data["start_time"],
        interval=data["interval"],
        count=data["count"],
        until=data["until"],
    )
    return courses.CoursePlan(appointment_type, recurrence, practitioner, data["on_conflict"])


def _previewed(form: CourseForm, appointment_type: AppointmentType):
    """The plan and each date's report, or (None, None) with the core's refusal on the field it names."""
    if not form.is_valid():
        return None, None
    plan = _plan(form, appointment_type)
    try:
        return plan, courses.preview(plan, by=bookings.PATIENT)
    except BookingRuleBroken as broken:
        form.add_error(broken.field if broken.field in form.fields else None, broken.message)
        return None, None


def _rows(plan: courses.CoursePlan, reports: list[courses.DateReport], course_url) -> list[DateRow]:
    own = len(plan.recurrence.dates())
    return [
        DateRow(
            report,
            str(STATUS_LABELS[report.status]),
            added=report.index > own,
            alternatives=tuple({**alt, "url": course_url(alt["start_time"])} for alt in report.alternatives),
        )
        for report in reports
    ]


def _can_book(plan: courses.CoursePlan, reports: list[courses.DateReport]) -> bool:
    bookable = [report.bookable for report in reports]
    return any(bookable) and (plan.on_conflict != BookingSeries.OnConflict.FAIL or all(bookable))


def _query_with(request, **changes) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


@page
def book_course(request, appointment_type):
    """The course's form; once sent (a GET: it writes nothing), the same form with each date's preview."""
    offered = _course_type(appointment_type)
    if offered is None:
        return _not_a_course(request)
    sent = "start_time" in request.GET
    form = _course_form(request.GET if sent else None, offered)
    plan, reports = _previewed(form, offered) if sent else (None, None)
    return _course_page(request, offered, form, plan, reports)


def _course_page(request, offered, form, plan, reports, *, refused: str = "", status: int = 200):
    here = reverse("book-course", args=[offered.slug])
    context = {
        "appointment_type": offered,
        "form": form,
        "action": here,
        "back_url": Carry.of(request).url("book-practitioner", offered.slug),
        "refused": refused,
    }
    if reports is not None:
        context.update(
            plan=plan,
            rows=_rows(plan, reports, lambda start: f"{here}?{_query_with(request, start_time=start)}#preview"),
            bookable_count=sum(report.bookable for report in reports),
            left_out=LEFT_OUT[plan.on_conflict],
            can_book=_can_book(plan, reports),
            details_url=f"{reverse('book-course-details', args=[offered.slug])}?{request.GET.urlencode()}",
        )
    return show(request, "course.html", context, status=status)


@page
@require_http_methods(["GET", "POST"])
def course_details(request, appointment_type):
    """The patient's details for the course the query describes; their POST books it."""
    offered = _course_type(appointment_type)
    if offered is None:
        return _not_a_course(request)
    form = _course_form(request.GET, offered)
    plan, reports = _previewed(form, offered)
    course_page = f"{reverse('book-course', args=[offered.slug])}?{request.GET.urlencode()}"
    if plan is None or (request.method == "GET" and not _can_book(plan, reports)):  # the course's page says why
        return HttpResponseRedirect(course_page)
    details = PatientDetailsForm(request.POST or None, appointment_type=offered)
    attempt = request.POST.get("attempt", "")[:LONGEST_ATTEMPT] or secrets.token_urlsafe(16)
    if request.method == "POST" and IdempotencyRecord.objects.filter(scope=ATTEMPTS, key=attempt).exists():
        return _already_booked(request)
    if request.method == "POST" and details.is_valid():
        wait = wait_seconds(request, "booking")
        if wait:
            return too_many(request, wait, "booking")
        try:
            booked = _book_once(request, plan, attempt, bookings.PatientDetails.named_in(details.cleaned_data))
        except courses.CourseRefused as refused:  # taken since the preview: the dates as they are now
            return _course_page(request, offered, form, plan, refused.dates, refused=refused.message, status=CONFLICT)
        except BookingRuleBroken as broken:
            details.add_refusal(broken)
        else:
            if booked is None:  # the same form sent twice at once: the other submit booked it
                return _already_booked(request)
            return _booked_page(request, plan, *booked)
    return show(
        request,
        "course_details.html",
        {
            "appointment_type": offered,
            "plan": plan,
            "rows": [row for row in _rows(plan, reports, lambda start: "") if row.bookable],
            "form": details,
            "attempt": attempt,
            "action": request.get_full_path(),
            "back_url": f"{course_page}#preview",
        },
    )


def _already_booked(request) -> HttpResponse:
    # A second submit of a details form that booked, or a replayed one: it opens nothing. The patient's own
    # answer showed the course, and their e-mail has its link.
    return gone(request, _("This course is already booked. The confirmation e-mail has the link to the course."))


def _book_once(request, plan, attempt: str, patient: bookings.PatientDetails):
    """The course booked, or None if this details form's key booked one already. The key's record is
    written in the course's transaction, so a course that fails to book leaves the key free to retry."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    scope=ATTEMPTS,
                    key=attempt,
                    request_digest=hashlib.sha256(request.GET.urlencode().encode()).hexdigest(),
                    response_status=201,
                    response_body={},
                    created_at=clinic_time.now(),
                )
        except IntegrityError:
            return None
        return courses.book_course(plan, patient=patient, by=bookings.PATIENT, via=VIA)


def _booked_page(request, plan, series: BookingSeries, reports, token: str):
    return show(
        request,
        "course_booked.html",
        {
            "series": series,
            "appointment_type": series.appointment_type,
            "rows": _rows(plan, reports, lambda start: ""),
            "booked": [report.booking for report in reports if report.booking is not None],
            "patient_email": series.patient.email if series.patient_id else "",
            "token": token,
            "manage_action": reverse("manage-course", args=[series.reference]),
        },
        embed_event={"type": "course_booked", "series_id": series.reference},
    )


# The patient's course, opened by its link.

DONE = {"cancelled"}


def _unknown(request) -> HttpResponse:
    return not_found(request, _("No course matches this link. Check that you used the whole link."))


@page
@require_http_methods(["GET", "POST"])
def manage_course(request, reference):
    credential = Pass.to("manage-course", reference)
    token = credential.token(request)
    series = courses.opened_by(reference, token)
    if series is None:
        return _unknown(request)
    if credential.from_link(request):
        return credential.exchange(request, token)
    carry = Carry.of(request)
    here = carry.url("manage-course", series.reference)
    if request.method == "POST" and request.POST.get("intent") != "cancel":
        # The confirmation's "view or cancel" button: it posts the token, which the cookie keeps.
        return credential.see(request, here, token)
    form = CancelForm(request.POST or None)
    problem, status = "", 200
    if request.method == "POST" and form.is_valid():
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        try:
            from_index = int(request.POST.get("from_index", ""))
            courses.cancel_course(
                series, from_index=from_index, reason=form.cleaned_data["reason"], by=bookings.PATIENT, via=VIA
            )
        except ValueError:
            problem, status = _("Choose the visit to cancel from."), 400
        except BookingError as error:
            problem, status = error.message, 400
        else:
            done = carry.url("manage-course", series.reference, done="cancelled", **{"from": from_index})
            return credential.see(request, done, token)
    return _course_visits_page(request, series, token, form, here, problem, status)


def _course_visits_page(request, series, token, form, here, problem, status) -> HttpResponse:
    now = clinic_time.now()
    visits = list(
        series.bookings.select_related("appointment_type", "practitioner").order_by("series_index", "starts_at")
    )
    rows = [
        {
            "booking": visit,
            "upcoming": visit.status in Booking.BLOCKING and visit.starts_at > now,
            "refusal": bookings.change_refusal(visit, by=bookings.PATIENT, now=now),
        }
        for visit in visits
    ]
    done = request.GET.get("done") if request.GET.get("done") in DONE else ""
    cancelled, kept = [], []
    if done:
        try:
            first = int(request.GET.get("from", ""))
        except ValueError:
            first = 1
        following = [row for row in rows if row["booking"].series_index >= first]
        cancelled = [row["booking"] for row in following if row["booking"].status == Booking.Status.CANCELLED]
        kept = [row for row in following if row["upcoming"]]
    return show(
        request,
        "course_manage.html",
        {
            "series": series,
            "appointment_type": series.appointment_type,
            "rows": rows,
            "token": token,
            "form": form,
            "here": here,
            "problem": problem,
            "done": done,
            "cancelled": cancelled,
            "kept": kept,
            "can_cancel": any(row["upcoming"] and row["refusal"] is None for row in rows),
        },
        status=status,
    )
