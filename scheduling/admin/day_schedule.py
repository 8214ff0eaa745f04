"""The admin's day schedule: each practitioner's bookings, buffers, free time and time away on one day,
with the front desk's buttons (check in, complete, no-show, cancel).

It shows every patient of the day, so it asks the bookings admin's own question first: may this staff
member view bookings? Each booking shown is recorded as read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.dateparse import parse_date
from django.views.generic import TemplateView

from scheduling import access_log, bookings, clinic_time
from scheduling.calendars import Calendars
from scheduling.models import Booking, BookingEvent, ClinicClosure, Practitioner
from scheduling.reference import reference_data
from scheduling.rules import BookingError
from scheduling.slots import Span, subtract

FRONT_DESK = {
    "check_in": (bookings.check_in, "Checked in"),
    "complete": (bookings.complete, "Completed"),
    "no_show": (bookings.mark_no_show, "Marked as no-show"),
    "cancel": (bookings.cancel, "Cancelled; its time is free again:"),
}


@dataclass(frozen=True)
class TimelineEntry:
    span: Span
    kind: str  # "booking", "buffer", "free", "away" or "closed" (a break between opening hours)
    booking: Booking | None = None

    @property
    def minutes(self) -> int:
        return int((self.span.end - self.span.start).total_seconds() // 60)


def timeline(calendars: Calendars, practitioner: Practitioner, day: date, booked: list[Booking]) -> list[TimelineEntry]:
    """Bookings, the buffers around them, time away and the free time left in the practitioner's hours."""
    working = calendars.working(practitioner, day)
    appointments = [Span(b.starts_at, b.ends_at) for b in booked]
    entries = [TimelineEntry(span, "booking", b) for span, b in zip(appointments, booked, strict=True)]
    between = subtract(working, appointments)
    unblocked = subtract(between, calendars.busy[practitioner.pk])  # busy spans include the buffers
    free = subtract(unblocked, calendars.closed[practitioner.pk])
    entries += [TimelineEntry(span, "buffer") for span in subtract(between, unblocked)]
    entries += [TimelineEntry(span, "free") for span in free]
    entries += [TimelineEntry(span, "away") for span in subtract(unblocked, free)]
    if working:
        breaks = subtract([Span(working[0].start, working[-1].end)], working)
        entries += [TimelineEntry(span, "closed") for span in breaks]
    return sorted(entries, key=lambda e: e.span.start)


class DayScheduleView(TemplateView):
    template_name = "admin/scheduling/day_schedule.html"
    model_admin = None  # the bookings admin: its site, and its permissions

    def dispatch(self, request, *args, **kwargs):
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def day(self) -> date:
        asked = self.request.GET.get("date", "")
        try:
            return parse_date(asked) or clinic_time.today()
        except ValueError:  # well-formed but not on the calendar, e.g. 2026-02-30
            messages.error(self.request, f"{asked} is not a date on the calendar; showing today.")
            return clinic_time.today()

    def get_context_data(self, **kwargs):
        day, now = self.day(), clinic_time.now()
        practitioners = list(reference_data().practitioners.values())
        calendars = Calendars.load(day, day, practitioners, now=now)
        booked = list(
            Booking.objects.blocking_at(now)
            .starting_on(day, day)
            .select_related("appointment_type")
            .order_by("starts_at")
        )
        access_log.record_staff_reads(
            self.request, booked, action=access_log.Action.LISTED, channel=access_log.Channel.ADMIN
        )
        rows = [
            (p, timeline(calendars, p, day, [b for b in booked if b.practitioner_id == p.pk]))
            for p in sorted(practitioners, key=lambda p: p.name)
        ]
        return {
            **self.model_admin.admin_site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": f"Day schedule: {day:%A %d %B %Y}",
            "day": day,
            "now": now,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "closures": ClinicClosure.objects.filter(first_day__lte=day, last_day__gte=day),
            "rows": rows,
        }

    def post(self, request, *args, **kwargs):
        booking = Booking.objects.filter(reference=request.POST.get("reference", "")).first()
        change = FRONT_DESK.get(request.POST.get("action", ""))
        if booking is None or change is None:
            messages.error(request, "That booking or action does not exist.")
        elif not self.model_admin.has_change_permission(request, booking):
            messages.error(request, "You may not change bookings.")
        else:
            service, done = change
            # The change applies only to the booking as the page showed it.
            seen = request.POST.get("revision", "")
            booking.revision = int(seen) if seen.isascii() and seen.isdigit() else booking.revision
            try:
                service(booking, by=bookings.Actor.staff(request.user), via=BookingEvent.Channel.ADMIN)
                messages.success(request, f"{done} {booking.reference}.")
            except BookingError as error:
                messages.error(request, f"{booking.reference}: {error.message}")
        return redirect(f"{request.path}?date={self.day().isoformat()}")
