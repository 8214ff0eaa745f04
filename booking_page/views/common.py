"""What the booking pages share: rendering with the clinic and the visit, the day and times steps, and the
pages that answer a request that cannot go on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from booking_page.carry import Carry
from booking_page.flow import Flow
from booking_page.headers import wait_seconds
from booking_page.month import Month
from scheduling import clinic_time
from scheduling.links import expired_link_message
from scheduling.models import AppointmentType, Booking
from scheduling.reference import reference_data
from scheduling.rules import BookingError, TooLateToChange, TooManyHolds

# Monday first, as the month's rows (booking_page.month).
WEEKDAY_NAMES = [
    (_lazy("Monday"), _lazy("Mon")),
    (_lazy("Tuesday"), _lazy("Tue")),
    (_lazy("Wednesday"), _lazy("Wed")),
    (_lazy("Thursday"), _lazy("Thu")),
    (_lazy("Friday"), _lazy("Fri")),
    (_lazy("Saturday"), _lazy("Sat")),
    (_lazy("Sunday"), _lazy("Sun")),
]
NOT_FOUND = 404
GONE = 410
CONFLICT = 409
TOO_MANY = 429


def show(request, template: str, context: dict | None = None, *, status: int = 200, embed_event: dict | None = None):
    carry = Carry.of(request)
    return render(
        request,
        f"booking_page/{template}",
        {
            "clinic": request.clinic,
            "carry": carry,
            "zone_name": request.clinic.zone_name,
            "message_origin": carry.message_origin(request.clinic),
            "embed_event": embed_event,
            **(context or {}),
        },
        status=status,
    )


def not_found(request, message: str) -> HttpResponse:
    return show(request, "problem.html", {"title": _("Not found"), "message": message}, status=NOT_FOUND)


def link_expired(request) -> HttpResponse:
    """The right link, past its end (`MANAGE_LINK_DAYS_AFTER_VISIT`): nothing of the booking, only whom to call."""
    title = _("This link has expired")
    return show(request, "problem.html", {"title": title, "message": expired_link_message()}, status=GONE)


def gone(request, message: str) -> HttpResponse:
    return show(request, "problem.html", {"title": _("This link no longer works"), "message": message}, status=GONE)


def cannot_change(request, refused: BookingError) -> HttpResponse:
    """The write path's reason a patient may not change their booking now (started, inside the cutoff)."""
    title = _("This booking cannot be changed online")
    return show(request, "problem.html", {"title": title, "message": refused.message}, status=CONFLICT)


TOO_MANY_BY_SCOPE = {
    "hold": _lazy("Too many times were held from your network. Please try again in %(minutes)d minutes."),
    "waitlist": _lazy("Too many waitlist entries came from your network. Please try again in %(minutes)d minutes."),
    "manage_code": _lazy(
        "Too many booking codes were tried from your network. Please try again in %(minutes)d minutes."
    ),
}
TOO_MANY_REQUESTS = _lazy("Too many requests came from your network. Please try again in %(minutes)d minutes.")


def too_many(request, seconds: int, scope: str = "hold", message: str | None = None) -> HttpResponse:
    minutes = max(1, round(seconds / 60))
    message = message or str(TOO_MANY_BY_SCOPE.get(scope, TOO_MANY_REQUESTS)) % {"minutes": minutes}
    response = show(request, "problem.html", {"title": _("Please wait"), "message": message}, status=TOO_MANY)
    response["Retry-After"] = str(seconds)
    return response


def offered_type(slug: str) -> AppointmentType | None:
    """An active appointment type that somebody offers."""
    reference = reference_data()
    found = reference.types.get(slug)
    return found if found is not None and reference.offering.get(found.pk) else None


def patients_booking(reference: str, token: str) -> Booking | None:
    """The booking a manage token opens (the core's one rule for it); holds are nobody's booking yet. An
    expired link raises LinkExpired, which `page` answers."""
    return Booking.objects.opened_by(reference, token)


def calendar_step(request, flow: Flow, context: dict) -> HttpResponse:
    """The month view: free days are buttons, full days lead to their waitlist, the rest are disabled. A
    month asked for outside this month to the horizon's shows the nearest of those."""
    now = clinic_time.now()
    asked = Month.parse(request.GET.get("month"))
    first, last = Month.of(clinic_time.local_date(now)), Month.of(flow.picker.last_day(now))
    month = min(max(asked, first, key=_month_key), last, key=_month_key) if asked else None
    month = month or flow.picker.first_month_with_time(now)
    return show(request, "calendar.html", {**context, **_month_context(flow, month, now)})


def _month_key(month: Month) -> date:
    return month.first_day


def times_step(request, flow: Flow, context: dict) -> HttpResponse:
    """The month with one day's free times below it. `taken` names a time the patient just lost."""
    now = clinic_time.now()
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return calendar_step(request, flow, context)
    last_day = flow.picker.last_day(now)
    if day > last_day:  # nothing to choose or wait for there yet: say how far ahead the clinic books
        return show(
            request,
            "calendar.html",
            {
                **context,
                **_month_context(flow, Month.of(day), now),
                "day": day,
                "times": [],
                "beyond_horizon": True,
                "waitlist_url": flow.waitlist_url(month=Month.of(last_day)),
            },
        )
    taken = _taken(day, request.GET.get("taken"))
    times = flow.picker.times(day, now)
    # A hold that lapsed (`lapsed`) may have lost its time to nobody: then the patient can take it again.
    still_free = bool(taken) and any(slot.span.start == taken for slot in times)
    nearest = flow.picker.nearest(taken, now) if taken and not still_free else []
    return show(
        request,
        "calendar.html",
        {
            **context,
            **_month_context(flow, Month.of(day), now),
            "day": day,
            "times": times,
            "taken": taken,
            "lapsed": request.GET.get("lapsed") == "1",
            "still_free": still_free,
            "nearest": nearest,
            "day_waitlist_url": flow.waitlist_url(day),
            "waitlist_url": flow.waitlist_url(day),
        },
    )


def take_chosen_time(request, flow: Flow, scope: str, take: Callable[[date, time], HttpResponse]) -> HttpResponse:
    """A time button's POST: `take` writes with the time (a hold, a move) and answers; a time taken
    meanwhile, or no longer bookable (too soon, past), leads back to the day saying it was just taken. A
    booking the patient may no longer move says why."""
    chosen = chosen_time(request)
    if chosen is None:
        return redirect(flow.calendar_url())
    wait = wait_seconds(request, scope)
    if wait:
        return too_many(request, wait, scope)
    day, start_time = chosen
    try:
        return take(day, start_time)
    except TooLateToChange as refused:  # the clock passed the booking's cutoff while the patient chose
        return cannot_change(request, refused)
    except TooManyHolds as refused:
        return too_many(request, refused.retry_after_seconds, message=refused.message)
    except BookingError:
        return redirect(flow.times_url(day, taken=clinic_time.at(day, start_time)))


def wall_time(text: str | None) -> time:
    """'14:30' as a time of day; ValueError for anything else. The clinic's zone is applied later
    (clinic_time.at), so the naive value is what is meant."""
    return datetime.strptime(text or "", clinic_time.WALL_CLOCK).time()  # noqa: DTZ007


def chosen_time(request):
    """The day and wall-clock start a time button posts; None if either is malformed."""
    try:
        return date.fromisoformat(request.POST.get("date", "")), wall_time(request.POST.get("start"))
    except ValueError:
        return None


def _taken(day: date, wall_clock: str | None) -> datetime | None:
    try:
        return clinic_time.at(day, wall_time(wall_clock))
    except ValueError:
        return None


@dataclass(frozen=True)
class ShownDay:
    """A day of the month as the page shows it: with its free times, or full and then its waitlist."""

    day: date
    free: int
    full: bool
    waitlist_url: str | None
    beyond_horizon: bool


def _month_context(flow: Flow, month: Month, now: datetime) -> dict:
    this_month = Month.of(clinic_time.local_date(now))
    last_bookable = flow.picker.last_day(now)
    previous_month = month.previous() if month.first_day > this_month.first_day else None
    next_month = month.next() if month.next().first_day <= last_bookable else None
    weeks = [
        [
            cell
            and ShownDay(
                cell.day,
                cell.free,
                cell.full,
                (cell.full and flow.waitlist_url(cell.day)) or None,
                beyond_horizon=cell.day > last_bookable,
            )
            for cell in week
        ]
        for week in flow.picker.month(month, now)
    ]
    return {
        "flow": flow,
        "month": month,
        "weeks": weeks,
        "weekday_names": WEEKDAY_NAMES,
        "previous_month": previous_month,
        "previous_url": previous_month and flow.calendar_url(previous_month),
        "next_month": next_month,
        "next_url": next_month and flow.calendar_url(next_month),
        "times_path": reverse(flow.times_page, args=flow.args),
        "times_action": flow.times_url(),
        "waitlist_url": flow.waitlist_url(month=month) if month.first_day <= last_bookable else None,
        # A month the horizon cuts says where, visibly: its later days look like any day without times.
        "month_reaches_horizon": any(cell and cell.beyond_horizon for week in weeks for cell in week),
        "horizon_weeks": flow.picker.appointment_type.horizon_days // 7,
        "horizon_days": flow.picker.appointment_type.horizon_days,
        "last_day": last_bookable,
    }
