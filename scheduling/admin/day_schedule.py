"""The admin's day schedule: each practitioner's bookings, buffers, free time and time away on one day,
with the front desk's buttons (check in, complete, no-show, cancel).

It shows every patient of the day, so it asks the bookings admin's own question first: may this staff
member view bookings? Each booking shown is recorded as read. Staff who do not see every practitioner's
bookings see their own practitioner's column only, and change only its bookings (scheduling/roles.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.dateparse import parse_date
from django.views.generic import TemplateView

from scheduling import access_log, bookings, clinic_time, roles
from scheduling.admin import rooms_day
from scheduling.calendars import Calendars
from scheduling.models import Booking, BookingEvent, ClinicClosure, Practitioner, Resource, ResourceClaim
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
    kind: str  # "booking", "session", "buffer", "free", "away" or "closed" (a break between opening hours)
    booking: Booking | None = None  # a session's: its first seat
    seats: tuple[Booking, ...] = ()  # a group session's bookings, one per attendee

    @property
    def seats_label(self) -> str:
        return f"{len(self.seats)} of {self.booking.session.capacity} seats" if self.seats else ""

    @property
    def minutes(self) -> int:
        return int((self.span.end - self.span.start).total_seconds() // 60)


def timeline(calendars: Calendars, practitioner: Practitioner, day: date, booked: list[Booking]) -> list[TimelineEntry]:
    """Bookings, the buffers around them, time away and the free time left in the practitioner's hours."""
    working = calendars.working(practitioner, day)
    # A group session is one entry, however many seats: its bookings share the practitioner's time.
    sessions: dict[int, list[Booking]] = {}
    entries = []
    for b in booked:
        if b.session_id is None:
            entries.append(TimelineEntry(Span(b.starts_at, b.ends_at), "booking", b))
        elif b.session_id not in sessions:
            sessions[b.session_id] = [b]
        else:
            sessions[b.session_id].append(b)
    entries += [
        TimelineEntry(Span(seats[0].starts_at, seats[0].ends_at), "session", seats[0], tuple(seats))
        for seats in sessions.values()
    ]
    appointments = [entry.span for entry in entries]
    between = subtract(working, appointments)
    unblocked = subtract(between, calendars.busy[practitioner.pk])  # busy spans include the buffers
    free = subtract(unblocked, calendars.closed[practitioner.pk])
    entries += [TimelineEntry(span, "buffer") for span in subtract(between, unblocked)]
    entries += [TimelineEntry(span, "free") for span in free]
    entries += [TimelineEntry(span, "away") for span in subtract(unblocked, free)]
    if working:
        breaks = subtract([Span(working[0].start, working[-1].end)], working)
        # A break inside time away (a whole-day closure, a week's leave) is part of that time away.
        open_breaks = subtract(breaks, calendars.closed[practitioner.pk])
        entries += [TimelineEntry(span, "closed") for span in open_breaks]
        entries += [TimelineEntry(span, "away") for span in subtract(breaks, open_breaks)]
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
        user = self.request.user
        reached = set(roles.practitioners_reached(user).values_list("pk", flat=True))
        practitioners = [p for p in reference_data().practitioners.values() if p.pk in reached]
        calendars = Calendars.load(day, day, practitioners, now=now)
        booked = list(
            roles.bookings_reached(user, Booking.objects.blocking_at(now))
            .starting_on(day, day)
            .select_related("appointment_type", "session")
            .order_by("starts_at", "patient_name")
        )
        access_log.record_staff_reads(
            self.request, booked, action=access_log.Action.LISTED, channel=access_log.Channel.ADMIN
        )
        rows = [
            (p, timeline(calendars, p, day, [b for b in booked if b.practitioner_id == p.pk]))
            for p in sorted(practitioners, key=lambda p: p.name)
        ]
        showing_rooms = self.request.GET.get("view") == "rooms"
        return {
            "showing_rooms": showing_rooms,
            "rooms": self.rooms(day, now, {b.pk for b in booked}) if showing_rooms else None,
            **self.model_admin.admin_site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": f"Day schedule: {day:%A %d %B %Y}",
            "day": day,
            "now": now,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "closures": [
                (closure, closure.hours_on(day))
                for closure in ClinicClosure.objects.filter(first_day__lte=day, last_day__gte=day)
            ],
            "rows": rows,
        }

    def rooms(self, day: date, now, reached: set[int]) -> rooms_day.Layout:
        """Every active unit's column, and any inactive one still claimed that day, with the day's claims of
        blocking bookings, whoever's: a room's day names no patient."""
        on_day = Booking.objects.blocking_at(now).starting_on(day, day)
        claims = list(
            ResourceClaim.objects.filter(booking__in=on_day)
            .exclude(status=Booking.Status.HELD, booking__hold_expires_at__lte=now)
            .select_related("booking__appointment_type", "booking__practitioner", "session")
        )
        claimed = {claim.resource_id for claim in claims}
        units = [unit for unit in Resource.objects.all() if unit.is_active or unit.pk in claimed]
        return rooms_day.layout(day, units, claims, reached)

    def post(self, request, *args, **kwargs):
        reached = roles.bookings_reached(request.user)
        booking = reached.filter(reference=request.POST.get("reference", "")).first()
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
                # Not led by the reference: the admin capitalises a message's first letter ("Bk_…").
                messages.error(request, f"Not changed, {booking.reference}: {error.message}")
        shown = "&view=rooms" if request.GET.get("view") == "rooms" else ""
        return redirect(f"{request.path}?date={self.day().isoformat()}{shown}")
