"""Courses of treatment: a patient's weekly visits previewed, booked together and cancelled from one on.

Every visit is an ordinary booking made by `claim`, so it passes the rules a single booking does (the
database's guards, buffers, notice, horizon, rooms and seats); the course only adds its dates, the policy
for dates that cannot be booked, and one transaction around them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.conf import settings
from django.db.models import Max

from scheduling import clinic_time, patients, tokens
from scheduling.bookings.changes import cancel
from scheduling.bookings.claims import claim_confirmed
from scheduling.bookings.writes import PATIENT, Actor, Channel, PatientDetails, Status, in_transaction
from scheduling.models import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_WEEKDAYS,
    MIN_COUNT,
    AppointmentType,
    Booking,
    BookingSeries,
    OnConflict,
    Practitioner,
)
from scheduling.open_days import BookableTime
from scheduling.reference import reference_data, require_offer
from scheduling.rules import (
    STAFF_HORIZON_DAYS,
    BookingError,
    BookingRuleBroken,
    BookingWindow,
    RequestedSlot,
    SlotUnavailable,
)
from scheduling.signals import series_booked
from scheduling.slots import Span
from scheduling.slots.recurrence import Occurrence, Recurrence

# How many free times on the same day a date that cannot be booked offers instead.
ALTERNATIVES = 3

# What the preview says of each date.
AVAILABLE = "available"
CONFLICT = "conflict"
CLOSED = "closed"
TIME_OFF = "time_off"
BEYOND_HORIZON = "beyond_horizon"
NONEXISTENT = "nonexistent_local_time"
STATUSES = (AVAILABLE, CONFLICT, CLOSED, TIME_OFF, BEYOND_HORIZON, NONEXISTENT)
# After booking: the dates booked, and those a `skip` or `extend` course left out.
BOOKED = "booked"
NOT_WORKING = " does not see patients then."
# When the practitioners considered disagree, the one that says most about why the date is not free.
_TELLING = {CONFLICT: 0, TIME_OFF: 1, CLOSED: 2}


@dataclass(frozen=True)
class CoursePlan:
    """What is asked for: the type, the practitioner (None: whoever is free, the same one preferred), the
    dates and what to do with dates that cannot be booked."""

    appointment_type: AppointmentType
    recurrence: Recurrence
    practitioner: Practitioner | None = None
    on_conflict: str = OnConflict.FAIL

    @classmethod
    def of(cls, series: BookingSeries) -> CoursePlan:
        recurrence = Recurrence(
            first_day=series.start_date,
            weekdays=tuple(series.weekdays),
            wall_time=series.start_time,
            interval=series.interval,
            count=series.count,
            until=series.until,
        )
        return cls(series.appointment_type, recurrence, series.practitioner, series.on_conflict)


@dataclass(frozen=True)
class DateReport:
    """One date of a course: whether it can be (or was) booked, why not, and what could be booked instead."""

    occurrence: Occurrence
    status: str
    detail: str = ""
    practitioner: Practitioner | None = None
    alternatives: tuple[dict, ...] = ()
    booking: Booking | None = field(default=None, compare=False)

    @property
    def index(self) -> int:
        return self.occurrence.index

    @property
    def bookable(self) -> bool:
        return self.status in (AVAILABLE, BOOKED)


class CourseRefused(SlotUnavailable):
    """Nothing was booked: under `fail` a date cannot be booked, or under `skip` and `extend` none can.
    `dates` reports each date, as the preview does."""

    code = "series_conflict"

    def __init__(self, message: str, dates: list[DateReport]):
        super().__init__(message, field="occurrences")
        self.dates = dates


def check_plan(plan: CoursePlan, by: Actor) -> None:
    """BookingRuleBroken (naming the field) for a course `by` may not ask for, whatever the calendar says."""
    type_ = plan.appointment_type
    _check_recurrence(plan.recurrence)
    latest_start = clinic_time.today() + timedelta(days=horizon_days(type_, by))
    if plan.recurrence.first_day > latest_start:
        raise BookingRuleBroken(
            f"A course of {type_.name} can start at most {horizon_days(type_, by)} days ahead.",
            field="start_date",
            code="booking_horizon",
        )
    if by.is_patient and not type_.allow_series:
        raise BookingRuleBroken(
            f"{type_.name} cannot be booked as a course online. Please book one visit, or call the clinic.",
            field="appointment_type",
            code="series_not_allowed",
        )
    require_offer(plan.practitioner, type_)
    step = type_.slot_interval_minutes or type_.duration_minutes
    minutes = plan.recurrence.wall_time.hour * 60 + plan.recurrence.wall_time.minute
    on_a_grid = any(
        (minutes - (opens.hour * 60 + opens.minute)) % step == 0 and opens <= plan.recurrence.wall_time
        for opens in _opening_times(type_, plan.practitioner)
    )
    if plan.recurrence.wall_time.second or not on_a_grid:
        raise BookingRuleBroken(
            f"{plan.recurrence.wall_time:%H:%M} is not a {type_.name} slot: slots start every {step} minutes "
            "from opening time.",
            field="start_time",
            code="not_a_slot",
        )


def _check_recurrence(recurrence: Recurrence) -> None:
    def refuse(field: str, message: str):
        raise BookingRuleBroken(message, field=field, code="invalid")

    if (recurrence.count is None) == (recurrence.until is None):
        refuse("count", "Give either count or until, not both." if recurrence.count else "Give count or until.")
    if recurrence.count is not None and not MIN_COUNT <= recurrence.count <= MAX_COUNT:
        refuse("count", f"A course has {MIN_COUNT} to {MAX_COUNT} visits.")
    if recurrence.until is not None and recurrence.until < recurrence.first_day:
        refuse("until", "until cannot be before start_date.")
    if not 1 <= recurrence.interval <= MAX_INTERVAL:
        refuse("interval", f"interval is every 1 to {MAX_INTERVAL} weeks.")
    if not recurrence.weekdays:
        refuse("weekdays", "Give at least one weekday.")
    if len(set(recurrence.weekdays)) > MAX_WEEKDAYS or not all(1 <= day <= 7 for day in recurrence.weekdays):
        refuse("weekdays", f"Give 1 to {MAX_WEEKDAYS} different weekdays.")
    if recurrence.until is not None:
        first = list(islice(recurrence.days(), MAX_COUNT + 1))
        visits = sum(day <= recurrence.until for day in first)
        if visits > MAX_COUNT:
            refuse("until", f"A course has at most {MAX_COUNT} visits: choose an earlier end date.")
        if visits < MIN_COUNT:
            refuse("until", f"A course has at least {MIN_COUNT} visits: choose a later end date.")


def _opening_times(appointment_type: AppointmentType, practitioner: Practitioner | None) -> set[time]:
    reference = reference_data()
    among = [practitioner] if practitioner else reference.offering.get(appointment_type.pk, [])
    return {opens for p in among for intervals in reference.hours[p.pk].values() for opens, _ in intervals}


def horizon_days(appointment_type: AppointmentType, by: Actor) -> int:
    return appointment_type.horizon_days if by.is_patient else max(STAFF_HORIZON_DAYS, appointment_type.horizon_days)


def preview(plan: CoursePlan, *, by: Actor = PATIENT, now: datetime | None = None) -> list[DateReport]:
    """Each date of the course and whether it can be booked now; writes nothing. Under `extend`, the dates
    after the course's own that would replace those that cannot be booked follow."""
    check_plan(plan, by)
    now = now or clinic_time.now()
    own = plan.recurrence.occurrences(clinic_time.zone())
    extra = []
    if plan.on_conflict == OnConflict.EXTEND:
        extra = plan.recurrence.occurrences(
            clinic_time.zone(), list(plan.recurrence.extension()), first_index=len(own) + 1
        )
    if not own:
        return []
    last_day = (extra or own)[-1].day
    judge = _Judge.load(plan, own[0].day, last_day, by=by, now=now)
    reports = judge.reports(own)
    missing = sum(not report.bookable for report in reports)
    for occurrence in extra:
        if not missing:
            break
        report = judge.report(occurrence)
        if report.bookable:
            missing -= 1
            reports.append(report)
    return reports


@dataclass
class _Judge:
    """The calendars over a course's days, read once, and what they say of each date."""

    plan: CoursePlan
    bookable: BookableTime
    now: datetime
    preferred: Practitioner | None = None

    @classmethod
    def load(cls, plan: CoursePlan, first_day: date, last_day: date, *, by: Actor, now: datetime) -> _Judge:
        days = horizon_days(plan.appointment_type, by)
        bookable = BookableTime.load(
            plan.appointment_type, first_day, last_day, now=now, practitioner=plan.practitioner, horizon_days=days
        )
        return cls(plan, bookable, now, plan.practitioner)

    def reports(self, occurrences: Iterable[Occurrence]) -> list[DateReport]:
        return [self.report(occurrence) for occurrence in occurrences]

    def report(self, occurrence: Occurrence) -> DateReport:
        type_ = self.plan.appointment_type
        if occurrence.start is None:
            detail = f"The clocks skip {occurrence.wall_time:%H:%M} on {occurrence.day}."
            return DateReport(occurrence, NONEXISTENT, detail, alternatives=self.alternatives(occurrence))
        slot = Span(occurrence.start, occurrence.start + type_.duration)
        window: BookingWindow = self.bookable.window
        if slot.start < window.opens:
            detail = "This time has passed." if slot.start < self.now else f"{type_.name} needs more notice."
            return DateReport(occurrence, CLOSED, detail)
        if slot.start > window.closes:
            days = (window.closes - self.now).days
            return DateReport(occurrence, BEYOND_HORIZON, f"{type_.name} can be booked at most {days} days ahead.")
        found = [(p, *self._status(p, occurrence.day, slot)) for p in self._in_preference_order(occurrence.day, slot)]
        free = [p for p, status, _ in found if status == AVAILABLE]
        if free:
            self.preferred = self.preferred or free[0]
            return DateReport(occurrence, AVAILABLE, practitioner=free[0])
        _, status, detail = min(found, key=lambda each: _TELLING[each[1]])
        if len(found) > 1 and all(each[2].endswith(NOT_WORKING) for each in found):
            detail = f"Nobody offers {type_.name} then."
        return DateReport(occurrence, status, detail, alternatives=self.alternatives(occurrence))

    def _in_preference_order(self, day: date, slot: Span) -> list[Practitioner]:
        ordered = self.bookable.in_assignment_order(list(self.bookable.practitioners), day, slot)
        if self.preferred is not None:
            ordered.sort(key=lambda p: p.pk != self.preferred.pk)
        return ordered

    def _status(self, practitioner: Practitioner, day: date, slot: Span) -> tuple[str, str]:
        calendars, rules = self.bookable.calendars, self.bookable.rules
        if any(closure.overlaps(slot) for closure in calendars.clinic_closed):
            return CLOSED, "The clinic is closed that day."
        if slot not in calendars.candidates(practitioner, [day], rules):
            return CLOSED, f"{practitioner.name}{NOT_WORKING}"
        if any(away.overlaps(slot) for away in calendars.closed[practitioner.pk]):
            return TIME_OFF, f"{practitioner.name} is away then."
        if not self.bookable.is_free(practitioner, slot):
            return CONFLICT, "This time is already booked."
        if self.bookable.units_for(practitioner, slot) is None:
            return CONFLICT, "No room or equipment this appointment needs is free then."
        return AVAILABLE, ""

    def alternatives(self, occurrence: Occurrence) -> tuple[dict, ...]:
        """The free times on the same day nearest the course's time, whoever is free for them."""
        day, rules, window = occurrence.day, self.bookable.rules, self.bookable.window
        asked = datetime.combine(day, occurrence.wall_time)
        times: dict[Span, Practitioner] = {}
        for practitioner in self._in_preference_order(day, None):
            for slot in self.bookable.calendars.free(practitioner, [day], rules, window):
                if slot not in times and self.bookable.units_for(practitioner, slot) is not None:
                    times[slot] = practitioner
        nearest = clinic_time.nearest(times, asked, ALTERNATIVES)
        return tuple(
            {
                "date": clinic_time.local_date(slot.start).isoformat(),
                "start_time": clinic_time.wall_clock(slot.start),
                "starts_at": clinic_time.local(slot.start),
                "practitioner": times[slot].slug,
            }
            for slot in nearest
        )


def book_course(
    plan: CoursePlan,
    *,
    patient: PatientDetails,
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[BookingSeries, list[DateReport], str]:
    """Book a course; returns the series, each date's report (its booking when booked) and the patient's
    manage token for the course. One transaction: under `fail` every date is booked or none is (a
    CourseRefused says which could not be); `skip` books the free dates and reports the others; `extend`
    also adds dates after the last, up to twice the course's span, until as many are booked as asked for."""
    now = now or clinic_time.now()
    planned = preview(plan, by=by, now=now)
    patient.check_asked_by(plan.appointment_type)
    patient = patient.answering(plan.appointment_type, by)
    if plan.on_conflict == OnConflict.FAIL and not all(report.bookable for report in planned):
        raise CourseRefused(_refusal(planned), planned)

    def body() -> tuple[BookingSeries, list[DateReport]]:
        record = patients.patient_for(patient)
        if _booked_already(record, plan):
            raise SlotUnavailable(
                "This course is already booked for this patient; nothing more was booked.", code="series_duplicate"
            )
        details = replace(patient, record=record)
        series = BookingSeries.objects.create(
            patient=record,
            appointment_type=plan.appointment_type,
            practitioner=plan.practitioner,
            interval=plan.recurrence.interval,
            weekdays=sorted(set(plan.recurrence.weekdays)),
            start_date=plan.recurrence.first_day,
            start_time=plan.recurrence.wall_time,
            count=plan.recurrence.count,
            until=plan.recurrence.until,
            on_conflict=plan.on_conflict,
        )
        reports = [_booked(plan, report, series, details, by=by, via=via, now=now) for report in planned]
        booked = [report.booking for report in reports if report.booking is not None]
        if plan.on_conflict == OnConflict.FAIL and len(booked) < len(reports):
            raise CourseRefused(_refusal(reports), _unbooked(reports))
        if not booked:
            raise CourseRefused("None of the course's dates can be booked.", reports)
        series_booked.send(sender=BookingSeries, series=series, bookings=booked)
        return series, reports

    series, reports = in_transaction(body, restoring=None)
    return series, reports, tokens.manage_token(series.reference)


def _booked_already(record, plan: CoursePlan) -> bool:
    """Whether the patient has this very course with visits still standing: the same form sent twice (a
    browser's Back, a client retrying without an Idempotency-Key) books one course, not two."""
    same = BookingSeries.objects.filter(
        patient=record,
        appointment_type=plan.appointment_type,
        start_date=plan.recurrence.first_day,
        start_time=plan.recurrence.wall_time,
        interval=plan.recurrence.interval,
        status=BookingSeries.Status.ACTIVE,
        bookings__status__in=Booking.BLOCKING,
    ).distinct()
    weekdays = sorted(set(plan.recurrence.weekdays))
    return any(series.weekdays == weekdays for series in same)


def _booked(
    plan: CoursePlan, report: DateReport, series: BookingSeries, details: PatientDetails, *, by, via, now
) -> DateReport:
    """The date booked (its report with the booking), or its report saying why it could not be: taken
    between the preview and the write, the database's guards having the last word."""
    if not report.bookable:
        return report
    occurrence = report.occurrence
    who = [report.practitioner] if plan.practitioner else [report.practitioner, None]
    refusal: BookingError | None = None
    for practitioner in who:
        requested = RequestedSlot(
            plan.appointment_type,
            occurrence.day,
            occurrence.wall_time,
            practitioner,
            horizon_days=horizon_days(plan.appointment_type, by),
        )
        try:
            booking = claim_confirmed(
                requested, details=details, by=by, via=via, now=now, series=series, series_index=occurrence.index
            )
        except BookingError as error:
            refusal = error
            continue
        return replace(report, status=BOOKED, practitioner=booking.practitioner, booking=booking)
    return replace(report, status=CONFLICT, detail=refusal.message, practitioner=None)


def _unbooked(reports: list[DateReport]) -> list[DateReport]:
    """The reports of a course refused after some of its dates were written: those writes are rolled back
    with the rest, so those dates were available, not booked."""
    return [replace(r, status=AVAILABLE, booking=None) if r.status == BOOKED else r for r in reports]


def _refusal(reports: list[DateReport]) -> str:
    failing = [report for report in reports if not report.bookable]
    dates = ", ".join(f"{report.occurrence.day:%a %d %b}" for report in failing[:5])
    more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
    return (
        f"{len(failing)} of the course's {len(reports)} dates cannot be booked ({dates}{more}); nothing was booked. "
        "Choose another time, or let the course skip those dates."
    )


def cancel_course(
    series: BookingSeries,
    *,
    from_index: int | None = None,
    reason: str = "",
    by: Actor = PATIENT,
    via: str = Channel.API,
    now: datetime | None = None,
) -> tuple[list[Booking], list[tuple[Booking, BookingError]]]:
    """Cancel the course's visits from `from_index` on (all when None), in one transaction; returns those
    cancelled and those kept with why. Visits that have passed, started, or are checked in or completed
    are never touched; a patient cannot cancel the ones inside the type's cutoff (staff can)."""
    now = now or clinic_time.now()
    first = from_index or 1
    if from_index is not None and not series.bookings.filter(series_index=from_index).exists():
        raise BookingRuleBroken(
            f"This course has no visit number {from_index}.", field="from_index", code="unknown_occurrence"
        )

    def body():
        cancelled, kept = [], []
        visits = series.bookings.select_related("appointment_type", "practitioner", "patient")
        for booking in visits.filter(series_index__gte=first).order_by("series_index"):
            if left_alone(booking, now):
                continue
            try:
                cancelled.append(cancel(booking, by=by, via=via, reason=reason, now=now))
            except BookingError as error:
                kept.append((booking, error))
        live = series.bookings.filter(status__in=Booking.BLOCKING, starts_at__gt=now).exists()
        if not live and series.status != BookingSeries.Status.CANCELLED:
            series.status, series.cancelled_at = BookingSeries.Status.CANCELLED, now
            series.save(update_fields=["status", "cancelled_at"])
        return cancelled, kept

    return in_transaction(body, restoring=None)


def left_alone(visit: Booking, now: datetime) -> str:
    """Why cancelling a course from an earlier visit on leaves this one as it is ("" if it cancels it): a
    visit that passed, started, or was checked in, completed or cancelled is never touched."""
    if visit.status != Status.CONFIRMED:
        return Status(visit.status).label
    if visit.starts_at <= now:
        return "Has passed"
    return ""


def opened_by(reference: str, token: str, *, staff: bool = False, now: datetime | None = None) -> BookingSeries | None:
    """The course `reference` names, if the caller is staff or `token` is its manage token and its link has
    not expired (tokens.LinkExpired: only the right token learns that); a wrong token and an unknown
    reference answer the same None."""
    series = BookingSeries.objects.select_related("appointment_type", "practitioner", "patient")
    found = series.filter(reference=reference).first()
    if found is None or not (staff or tokens.accepts_derived_token(found.reference, token or "")):
        return None
    if not staff and link_expired(found, now or clinic_time.now()):
        raise tokens.LinkExpired
    return found


def link_expired(series: BookingSeries, now: datetime) -> bool:
    """A course's link lasts as its visits' links do: until MANAGE_LINK_DAYS_AFTER_VISIT after the last."""
    last = series.bookings.aggregate(last=Max("ends_at"))["last"] or series.created_at
    return now >= last + timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT)
