"""A patient's own booking, opened by the manage link: view it, cancel it, or move it to another time.

The manage token in the link is the credential; a wrong one looks exactly like an unknown booking.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page import calendar_links
from booking_page.carry import Carry
from booking_page.flow import Flow
from booking_page.forms import CancelForm
from booking_page.headers import page, wait_seconds
from booking_page.picker import Picker
from booking_page.views.common import (
    CONFLICT,
    calendar_step,
    cannot_change,
    not_found,
    patients_booking,
    show,
    take_chosen_time,
    times_step,
    too_many,
)
from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.rules import BookingError, TooLateToChange

VIA = BookingEvent.Channel.BOOKING_PAGE
DONE = {"cancelled", "moved"}


def _refusal(booking: Booking) -> BookingError | None:
    """Why the patient may not cancel or move this booking now (the write path's own rule), or None."""
    return bookings.change_refusal(booking, by=bookings.PATIENT, now=clinic_time.now())


@page
@require_http_methods(["GET", "POST"])
def manage(request, reference):
    token = request.GET.get("token", "")
    booking = patients_booking(reference, token)
    if booking is None:
        return not_found(request, _("No booking matches this link. Check that you used the whole link."))
    carry = Carry.of(request)
    here = carry.url("manage-booking", booking.reference, token=token)
    form = CancelForm(request.POST or None)
    problem, status = "", 200
    if request.method == "POST" and form.is_valid():
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        try:
            bookings.cancel(booking, by=bookings.PATIENT, via=VIA, reason=form.cleaned_data["reason"])
        except TooLateToChange:  # the page says why below, instead of the buttons
            status = CONFLICT
        except BookingError as error:
            problem = error.message
        else:
            return redirect(carry.url("manage-booking", booking.reference, token=token, done="cancelled"))
    done = request.GET.get("done")
    return show(
        request,
        "manage.html",
        {
            "booking": booking,
            "form": form,
            "problem": problem,
            "here": here,
            "done": done if done in DONE else "",
            "refusal": _refusal(booking),
            "move_url": carry.url("manage-move", booking.reference, token=token),
            "book_again_url": carry.url("book-practitioner", booking.appointment_type.slug),
            "ics_url": carry.url("manage-invite", booking.reference, token=token),
            "google_url": calendar_links.google_url(booking, request.clinic),
            "outlook_url": calendar_links.outlook_url(booking, request.clinic),
        },
        status=status,
    )


def _move_flow(request, reference):
    token = request.GET.get("token", "")
    booking = patients_booking(reference, token)
    if booking is None:
        return None, None
    refused = _refusal(booking)
    if refused is not None:
        return None, refused
    flow = Flow(
        picker=Picker(booking.appointment_type, booking.practitioner, moving=booking),
        carry=Carry.of(request),
        calendar_page="manage-move",
        times_page="manage-move-times",
        args=(booking.reference,),
        query={"token": token},
    )
    context = {
        "booking": booking,
        "appointment_type": booking.appointment_type,
        "practitioner": booking.practitioner,
        "step": "move",
        "back_url": flow.carry.url("manage-booking", booking.reference, token=token),
    }
    return flow, context


def _cannot_move(request, refused: BookingError | None) -> HttpResponse:
    if refused is None:
        return not_found(request, _("No booking matches this link. Check that you used the whole link."))
    return cannot_change(request, refused)


@page
def move(request, reference):
    flow, context = _move_flow(request, reference)
    if flow is None:
        return _cannot_move(request, context)
    return calendar_step(request, flow, context)


@page
@require_http_methods(["GET", "POST"])
def move_times(request, reference):
    flow, context = _move_flow(request, reference)
    if flow is None:
        return _cannot_move(request, context)
    if request.method == "GET":
        return times_step(request, flow, context)
    booking = context["booking"]

    def move_to(day, start_time):
        bookings.reschedule(
            booking, bookings.RequestedSlot(booking.appointment_type, day, start_time), by=bookings.PATIENT, via=VIA
        )
        return redirect(flow.carry.url("manage-booking", booking.reference, token=flow.query["token"], done="moved"))

    return take_chosen_time(request, flow, "manage", move_to)


@page
def invite(request, reference):
    booking = patients_booking(reference, request.GET.get("token", ""))
    if booking is None:
        return not_found(request, _("No booking matches this link."))
    response = HttpResponse(
        calendar_links.ics_file(booking, request.clinic), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{booking.reference}.ics"'
    return response
