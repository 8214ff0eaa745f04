"""The desk's week (and day) calendar: every practitioner's bookings, breaks, closures and time off on a
time grid, with booking by click, moving by drag or by a "Move" page, and a printable day list.

The grid is the day schedule's `timeline()` laid out by `calendar_layout` (plain arithmetic); the page
loads in a fixed number of queries whatever the number of bookings. Like the day schedule it asks the
bookings admin's permissions first, shows a practitioner-role user their own column only and records
every booking shown as read. Moves go through `bookings.reschedule`, after a confirmation page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.dateparse import parse_date, parse_time
from django.views.generic import TemplateView

from scheduling import access_log, bookings, clinic_time, roles
from scheduling.admin.calendar_layout import Placement, Scale, cells, clock, minute_of_day, scale_around
from scheduling.admin.day_schedule import TimelineEntry, timeline
from scheduling.admin.forms import OFF_GRID_PERMISSION
from scheduling.calendars import Calendars
from scheduling.models import Booking, BookingEvent, ClinicClosure, Practitioner
from scheduling.open_days import open_days
from scheduling.reference import reference_data
from scheduling.rules import BookingError, RequestedSlot

ADMIN = BookingEvent.Channel.ADMIN
CELL_MINUTES = 15  # a click on an empty cell asks for the add form at its start
OPEN_HOURS = (8 * 60, 18 * 60)  # shown even on a quiet day, so the grid keeps its shape
TYPE_COLOURS = 6  # bookings are coloured by type: type-0 ... type-5, by the type's pk


def asked_day(request) -> date:
    asked = request.GET.get("date", "")
    try:
        return parse_date(asked) or clinic_time.today()
    except ValueError:  # well-formed but not on the calendar, e.g. 2026-02-30
        messages.error(request, f"{asked} is not a date on the calendar; showing today.")
        return clinic_time.today()


@dataclass(frozen=True)
class Block:
    """One thing on a column: a booking, a group session, or shaded time (buffer, away, closed), or a free
    cell to click."""

    kind: str
    placed: Placement
    start: str
    end: str
    booking: Booking | None = None  # a session's: its first seat
    seats_label: str = ""  # a session's "7 of 12 seats"

    @property
    def style(self) -> str:
        return f"grid-row: {self.placed.row} / span {self.placed.rows}"

    @property
    def colour(self) -> str:
        return f"type-{self.booking.appointment_type_id % TYPE_COLOURS}" if self.booking else ""


@dataclass
class Column:
    day: date
    practitioner: Practitioner
    working: bool
    blocks: list[Block] = field(default_factory=list)
    now: Placement | None = None


def column(
    scale: Scale, day: date, practitioner: Practitioner, entries: list[TimelineEntry], now: datetime, hours: list
) -> Column:
    """A practitioner's day as blocks on the scale, shaded outside their `hours` (the working spans); free
    time is cut into cells for booking by click."""
    laid = Column(day, practitioner, working=bool(hours))
    if hours:
        opens = minute_of_day(clinic_time.local(hours[0].start), day)
        closes = minute_of_day(clinic_time.local(hours[-1].end), day)
        for start, end in ((scale.first_minute, opens), (closes, scale.last_minute)):
            placed = scale.place(start, end)
            if placed:
                laid.blocks.append(Block("outside", placed, clock(start), clock(end)))
    for entry in entries:
        start = minute_of_day(clinic_time.local(entry.span.start), day)
        end = minute_of_day(clinic_time.local(entry.span.end), day)
        if entry.kind == "free":
            for cell_start, cell_end in cells(
                max(start, scale.first_minute), min(end, scale.last_minute), CELL_MINUTES
            ):
                if clinic_time.at(day, time(*divmod(cell_start % 1440, 60))) < now:
                    continue  # the past cannot be booked
                placed = scale.place(cell_start, cell_end)
                if placed:
                    laid.blocks.append(Block("free", placed, clock(cell_start), clock(cell_end)))
            continue
        placed = scale.place(start, end)
        if placed:
            laid.blocks.append(Block(entry.kind, placed, clock(start), clock(end), entry.booking, entry.seats_label))
    if clinic_time.local_date(now) == day:
        laid.now = scale.place(
            minute_of_day(clinic_time.local(now), day), minute_of_day(clinic_time.local(now), day) + 1
        )
    return laid


def shown_practitioners(user) -> list[Practitioner]:
    """The active practitioners this staff member reaches, by name: the calendar's columns and its choices."""
    reached = set(roles.practitioners_reached(user).values_list("pk", flat=True))
    return sorted((p for p in reference_data().practitioners.values() if p.pk in reached), key=lambda p: p.name)


def load_columns(
    user, days: list[date], now: datetime, practitioners: list[Practitioner]
) -> tuple[Scale, list[Column], list[Booking]]:
    """The columns of `practitioners` (among those `user` reaches) for the days, in a fixed number of
    queries."""
    calendars = Calendars.load(days[0], days[-1], practitioners, now=now)
    booked = list(
        roles.bookings_reached(user, Booking.objects.blocking_at(now))
        .filter(practitioner__in=practitioners)
        .starting_on(days[0], days[-1])
        .select_related("appointment_type", "practitioner")
        .order_by("starts_at")
    )
    by_column = defaultdict(list)  # (practitioner id, day) -> their bookings that day, by start
    for booking in booked:
        by_column[booking.practitioner_id, clinic_time.local_date(booking.starts_at)].append(booking)
    timelines = {}
    spans = []
    for day in days:
        for practitioner in practitioners:
            entries = timeline(calendars, practitioner, day, by_column[practitioner.pk, day])
            timelines[day, practitioner.pk] = entries
            spans += [
                (minute_of_day(clinic_time.local(e.span.start), day), minute_of_day(clinic_time.local(e.span.end), day))
                for e in entries
                if e.kind != "away" or e.booking
            ]
    scale = scale_around(spans, default=OPEN_HOURS)
    columns = [
        column(scale, day, p, timelines[day, p.pk], now, calendars.working(p, day))
        for day in days
        for p in practitioners
    ]
    return scale, columns, booked


class CalendarPage(TemplateView):
    model_admin = None  # the bookings admin: its site, and its permissions

    def dispatch(self, request, *args, **kwargs):
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def page_context(self, **context):
        return {**self.model_admin.admin_site.each_context(self.request), **context}


class WeekCalendarView(CalendarPage):
    template_name = "admin/scheduling/calendar/week.html"

    def get_context_data(self, **kwargs):
        day, now = asked_day(self.request), clinic_time.now()
        by_day = self.request.GET.get("view") == "day"
        first = day if by_day else day - timedelta(days=day.weekday())
        days = [first] if by_day else [first + timedelta(days=n) for n in range(7)]
        everyone = shown_practitioners(self.request.user)
        asked = self.request.GET.get("practitioner", "")
        chosen = [p for p in everyone if p.slug == asked]
        if asked and not chosen:
            messages.error(self.request, f"No practitioner '{asked}' to show; showing everyone.")
        scale, columns, booked = load_columns(self.request.user, days, now, chosen or everyone)
        if not by_day:  # a week shows who works: a practitioner's day off, with nothing booked, takes no column
            columns = [c for c in columns if c.working or any(b.kind == "booking" for b in c.blocks)]
        shown = {c.day for c in columns}
        access_log.record_staff_reads(self.request, booked, action=access_log.Action.LISTED, channel=ADMIN)
        step = timedelta(days=1 if by_day else 7)
        title = f"Day calendar: {day:%A %d %B %Y}" if by_day else f"Week calendar: {first:%d %b} to {days[-1]:%d %b %Y}"
        return self.page_context(
            **super().get_context_data(**kwargs),
            title=title,
            mode="day" if by_day else "week",
            day=day,
            days=days,
            today=clinic_time.today(),
            previous=first - step,
            next=first + step,
            scale=scale,
            hours=[(clock(minute), placed) for minute, placed in scale.hours()],
            columns=columns,
            days_off=[d for d in days if d not in shown],
            practitioners=everyone,
            chosen=chosen[0] if chosen else None,
            # The links to other days and views keep the practitioner chosen.
            carry=f"&practitioner={chosen[0].slug}" if chosen else "",
            closures=ClinicClosure.objects.filter(first_day__lte=days[-1], last_day__gte=days[0]),
            can_add=self.model_admin.has_add_permission(self.request),
            add_url=reverse("admin:scheduling_booking_add"),
        )


class PrintDayView(CalendarPage):
    """One line per booking of the day, with a box to tick at check-in; printed without the admin's chrome."""

    template_name = "admin/scheduling/calendar/print_day.html"

    def get_context_data(self, **kwargs):
        day, now = asked_day(self.request), clinic_time.now()
        booked = list(
            roles.bookings_reached(self.request.user, Booking.objects.blocking_at(now))
            .exclude(status=Booking.Status.HELD)
            .starting_on(day, day)
            .select_related("appointment_type", "practitioner")
            .order_by("starts_at", "practitioner__name")
        )
        access_log.record_staff_reads(self.request, booked, action=access_log.Action.LISTED, channel=ADMIN)
        return self.page_context(
            **super().get_context_data(**kwargs), title=f"Day list: {day:%A %d %B %Y}", day=day, booked=booked
        )


class MovePage(CalendarPage):
    """A booking the staff member reaches and may change, still confirmed."""

    def booking(self) -> Booking:
        reached = roles.bookings_reached(self.request.user).select_related("appointment_type", "practitioner")
        asked = str(self.kwargs["object_id"])
        booking = reached.filter(pk=asked).first() if asked.isascii() and asked.isdigit() else None
        if booking is None:
            raise Http404("No such booking.")
        if not self.model_admin.has_change_permission(self.request, booking):
            raise PermissionDenied
        return booking

    def calendar_url(self, day: date) -> str:
        """The calendar on `day`, in the view the move started from (`?view=day` carried by the drag)."""
        query = {"date": day.isoformat()}
        if self.request.GET.get("view") == "day":
            query["view"] = "day"
        return f"{reverse('admin:scheduling_booking_calendar')}?{urlencode(query)}"


class MoveTimesView(MovePage):
    """The no-drag way to move: the day's free times for the booking's type, with every practitioner who
    offers it (that this staff member reaches), each a button to the confirmation."""

    template_name = "admin/scheduling/calendar/move.html"

    def get_context_data(self, **kwargs):
        booking, now = self.booking(), clinic_time.now()
        access_log.record_staff_reads(self.request, [booking], action=access_log.Action.VIEWED, channel=ADMIN)
        day = clinic_time.local_date(booking.starts_at) if "date" not in self.request.GET else asked_day(self.request)
        reached = set(roles.practitioners_reached(self.request.user).values_list("pk", flat=True))
        free = open_days(booking.appointment_type, day, day, now=now, ignoring=booking).get(day, [])
        confirm = reverse("admin:scheduling_booking_move_confirm", args=[booking.pk])
        times = [
            (
                f"{clinic_time.local(slot.span.start):%H:%M}",
                practitioner,
                f"{confirm}?{urlencode(move_query(day, clinic_time.local(slot.span.start).time(), practitioner))}",
            )
            for slot in free
            for practitioner in sorted(slot.practitioners, key=lambda p: p.name)
            if practitioner.pk in reached
            and not (slot.span.start == booking.starts_at and practitioner.pk == booking.practitioner_id)  # itself
        ]
        return self.page_context(
            **super().get_context_data(**kwargs),
            title=f"Move {booking.patient_name}'s {booking.appointment_type.name}",
            booking=booking,
            day=day,
            previous=day - timedelta(days=1),
            next=day + timedelta(days=1),
            times=times,
            calendar_url=self.calendar_url(day),
        )


def move_query(day: date, start: time, practitioner: Practitioner) -> dict:
    return {"date": day.isoformat(), "start_time": f"{start:%H:%M}", "practitioner": practitioner.pk}


class MoveConfirmView(MovePage):
    """ "Move Ann Lee's Consultation to Tue 4 Dec 10:30 with Dr Rao?" [Move]: the one question a drag or a
    chosen time leads to, and the one call to `bookings.reschedule` answering it."""

    template_name = "admin/scheduling/calendar/move_confirm.html"

    def requested(self, values) -> RequestedSlot:
        booking = self.booking()
        day = parse_date_safely(values.get("date", ""))
        start = parse_time_safely(values.get("start_time", ""))
        wanted = str(values.get("practitioner", ""))
        practitioner = (
            roles.practitioners_reached(self.request.user).filter(pk=wanted).first()
            if wanted.isascii() and wanted.isdigit()
            else None
        )
        if day is None:
            raise BookingError("Choose a day to move it to.", field="date")
        if start is None:
            raise BookingError("Choose a start time (HH:MM) to move it to.", field="start_time")
        if practitioner is None:
            raise BookingError("Choose a practitioner you may book for.", field="practitioner")
        return RequestedSlot(booking.appointment_type, day, start, practitioner)

    def off_grid(self, booking: Booking, requested: RequestedSlot) -> bool:
        """Whether the move needs (and this staff member has) leave to book off the grid; BookingError when the
        time cannot be had."""
        now = clinic_time.now()
        try:
            bookings.free_practitioners(requested, now=now, ignoring=booking)
            return False
        except BookingError as error:
            if error.code != "not_a_slot" or not self.request.user.has_perm(OFF_GRID_PERMISSION):
                raise
        bookings.free_practitioners(requested, now=now, ignoring=booking, off_grid=True)
        return True

    def get_context_data(self, **kwargs):
        booking = self.booking()
        access_log.record_staff_reads(self.request, [booking], action=access_log.Action.VIEWED, channel=ADMIN)
        context = {"booking": booking, "title": "Move this booking?"}
        try:
            requested = self.requested(self.request.GET)
            context.update(requested=requested, off_grid=self.off_grid(booking, requested))
        except BookingError as error:
            context["refused"] = error.message
        day = context["requested"].day if "requested" in context else clinic_time.local_date(booking.starts_at)
        context["move_url"] = f"{reverse('admin:scheduling_booking_move', args=[booking.pk])}?date={day.isoformat()}"
        return self.page_context(**super().get_context_data(**kwargs), **context)

    def post(self, request, *args, **kwargs):
        booking = self.booking()
        seen = request.POST.get("revision", "")
        booking.revision = int(seen) if seen.isascii() and seen.isdigit() else booking.revision
        move_page = reverse("admin:scheduling_booking_move", args=[booking.pk])
        try:
            requested = self.requested(request.POST)
            moved = bookings.reschedule(
                booking,
                requested,
                by=bookings.Actor.staff(request.user),
                via=ADMIN,
                off_grid=self.off_grid(booking, requested),
            )
        except BookingError as error:
            messages.error(request, f"Not moved: {error.message}")
            day = parse_date_safely(request.POST.get("date", "")) or clinic_time.local_date(booking.starts_at)
            return redirect(f"{move_page}?date={day.isoformat()}")
        local = clinic_time.local(moved.starts_at)
        messages.success(request, f"Moved {moved.reference} to {local:%a %d %b %H:%M} with {moved.practitioner.name}.")
        return redirect(self.calendar_url(local.date()))


def parse_date_safely(value: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def parse_time_safely(value: str) -> time | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


def calendar_urls(model_admin) -> list:
    """The calendar's pages, under the bookings admin (its permissions, its site)."""

    def view(page):
        return model_admin.admin_site.admin_view(page.as_view(model_admin=model_admin))

    return [
        path("calendar/", view(WeekCalendarView), name="scheduling_booking_calendar"),
        path("calendar/print/", view(PrintDayView), name="scheduling_booking_print_day"),
        path("<path:object_id>/move/", view(MoveTimesView), name="scheduling_booking_move"),
        path("<path:object_id>/move/confirm/", view(MoveConfirmView), name="scheduling_booking_move_confirm"),
    ]
