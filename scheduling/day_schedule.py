"""The admin's day schedule: each practitioner's bookings and free time on one day, with cancel buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.generic import TemplateView

from scheduling import booking as bookings
from scheduling.availability import Span, day_span, open_spans, subtract
from scheduling.models import Booking, ClinicClosure, Practitioner, TimeOff


@dataclass(frozen=True)
class TimelineEntry:
    span: Span
    kind: str  # "booking", "free", "away" or "closed" (a break between opening hours)
    booking: Booking | None = None

    @property
    def minutes(self) -> int:
        return int((self.span.end - self.span.start).total_seconds() // 60)


def timeline(practitioner: Practitioner, day: date, bookings_that_day, away: list[Span], tz) -> list[TimelineEntry]:
    """Bookings, time away and the free time left in the practitioner's hours, in order."""
    hours = [(h.opens_at, h.closes_at) for h in practitioner.opening_hours.all() if h.weekday == day.weekday()]
    working = open_spans(day, hours, tz)
    booked = [Span(b.starts_at, b.ends_at) for b in bookings_that_day]
    entries = [TimelineEntry(span, "booking", b) for span, b in zip(booked, bookings_that_day, strict=True)]
    unbooked = subtract(working, booked)
    free = subtract(unbooked, away)
    entries += [TimelineEntry(span, "free") for span in free]
    entries += [TimelineEntry(span, "away") for span in subtract(unbooked, free)]
    if working:
        breaks = subtract([Span(working[0].start, working[-1].end)], working)
        entries += [TimelineEntry(span, "closed") for span in breaks]
    return sorted(entries, key=lambda e: e.span.start)


class DayScheduleView(TemplateView):
    template_name = "admin/scheduling/day_schedule.html"
    admin_site = None

    def day(self) -> date:
        return parse_date(self.request.GET.get("date", "") or "") or timezone.localdate()

    def get_context_data(self, **kwargs):
        tz = timezone.get_current_timezone()
        day = self.day()
        whole_day = day_span(day, day, tz)
        closures = list(ClinicClosure.objects.filter(first_day__lte=day, last_day__gte=day))
        confirmed = (
            Booking.objects.confirmed()
            .filter(starts_at__lt=whole_day.end, ends_at__gt=whole_day.start)
            .select_related("appointment_type")
            .order_by("starts_at")
        )
        time_off = TimeOff.objects.filter(starts_at__lt=whole_day.end, ends_at__gt=whole_day.start)
        rows = []
        for practitioner in Practitioner.objects.filter(is_active=True).prefetch_related("opening_hours"):
            theirs = [b for b in confirmed if b.practitioner_id == practitioner.pk]
            away = [Span(t.starts_at, t.ends_at) for t in time_off if t.practitioner_id == practitioner.pk]
            if closures:
                away.append(whole_day)
            rows.append((practitioner, timeline(practitioner, day, theirs, away, tz)))
        return {
            **self.admin_site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": f"Day schedule: {day:%A %d %B %Y}",
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "closures": closures,
            "rows": rows,
        }

    def post(self, request, *args, **kwargs):
        booking = Booking.objects.filter(reference=request.POST.get("reference", "")).first()
        if booking is None or not booking.is_confirmed:
            messages.error(request, "That booking does not exist or is already cancelled.")
        elif not request.user.has_perm("scheduling.change_booking"):
            messages.error(request, "You may not cancel bookings.")
        else:
            bookings.cancel(booking, by=Booking.CancelledBy.STAFF, reason=f"Cancelled by {request.user}")
            messages.success(request, f"Cancelled {booking.reference}; its time is free again.")
        return redirect(f"{request.path}?date={self.day().isoformat()}")
