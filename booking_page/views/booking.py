"""Booking a visit: type, practitioner, day, time (which takes a hold), details, confirmation.

Every step has its own URL and works without JavaScript; each POST answers with a redirect (303).
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page import calendar_links
from booking_page.carry import Carry
from booking_page.flow import Flow
from booking_page.forms import PatientDetailsForm
from booking_page.headers import page
from booking_page.picker import Picker
from booking_page.views.common import (
    calendar_step,
    not_found,
    offered_type,
    patients_booking,
    show,
    take_chosen_time,
    times_step,
)
from clinic_project.clients import client_address
from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.reference import reference_data
from scheduling.rules import BookingError, HoldNotFound
from scheduling.tokens import holder_key, manage_token

VIA = BookingEvent.Channel.BOOKING_PAGE
ANY = ""


@page
def appointment_types(request):
    reference = reference_data()
    offered = [t for t in reference.types.values() if reference.offering.get(t.pk)]
    return show(request, "types.html", {"types": sorted(offered, key=lambda t: t.name)})


@page
def practitioners(request, appointment_type):
    offered = offered_type(appointment_type)
    if offered is None:
        return not_found(request, _("This kind of appointment is not offered."))
    return show(
        request,
        "practitioners.html",
        {"appointment_type": offered, "practitioners": reference_data().offering[offered.pk]},
    )


def booking_flow(request, appointment_type: str):
    """The pages' flow for a type and the practitioner asked for (`with`), or None if either is unknown."""
    offered = offered_type(appointment_type)
    if offered is None:
        return None, {}
    slug = request.GET.get("with", ANY)
    practitioner = None
    if slug != ANY:
        practitioner = next((p for p in reference_data().offering[offered.pk] if p.slug == slug), None)
        if practitioner is None:
            return None, {}
    flow = Flow(
        picker=Picker(offered, practitioner),
        carry=Carry.of(request),
        calendar_page="book-calendar",
        times_page="book-times",
        waitlist_page="book-waitlist",
        args=(offered.slug,),
        query={"with": slug} if slug else {},
    )
    return flow, {"appointment_type": offered, "practitioner": practitioner, "step": "book"}


@page
def calendar(request, appointment_type):
    flow, context = booking_flow(request, appointment_type)
    if flow is None:
        return not_found(request, _("This appointment or practitioner is not offered."))
    return calendar_step(request, flow, context)


@page
@require_http_methods(["GET", "POST"])
def times(request, appointment_type):
    flow, context = booking_flow(request, appointment_type)
    if flow is None:
        return not_found(request, _("This appointment or practitioner is not offered."))
    if request.method == "GET":
        return times_step(request, flow, context)

    def hold(day, start_time):
        __, hold_id = bookings.hold(
            bookings.RequestedSlot(flow.picker.appointment_type, day, start_time, flow.picker.practitioner),
            holder=holder_key(client_address(request)),
            via=VIA,
        )
        return redirect(flow.carry.url("book-details", hold_id))

    return take_chosen_time(request, flow, "hold", hold)


@page
@require_http_methods(["GET", "POST"])
def details(request, hold_id):
    try:
        held = bookings.find_hold(hold_id)
    except HoldNotFound:
        return not_found(request, _("This held time is unknown. Please choose a time again."))
    carry = Carry.of(request)
    if held.status not in Booking.HOLD_STATUSES:
        # Already booked with this hold (a second submit, or the back button): show that booking.
        return redirect(carry.url("book-booked", held.reference, token=manage_token(held.reference)))
    lost = _lost_time_url(held, carry)
    if held.status != Booking.Status.HELD:
        return redirect(lost)
    form = PatientDetailsForm(request.POST or None, initial=carry.prefill())
    if request.method == "POST" and form.is_valid():
        try:
            booking, token = bookings.confirm_hold(held, patient=bookings.Patient.named_in(form.cleaned_data), via=VIA)
        except (HoldNotFound, BookingError):
            return redirect(lost)
        return redirect(carry.url("book-booked", booking.reference, token=token))
    now = clinic_time.now()
    return show(
        request,
        "details.html",
        {
            "booking": held,
            "form": form,
            "hold_lapsed": held.hold_expires_at <= now,
            "hold_minutes": bookings.hold_minutes(),
            "start_over_url": carry.url("book-calendar", held.appointment_type.slug),
        },
        embed_event={"type": "time_chosen", "start": held.starts_at.isoformat()},
    )


def _lost_time_url(held: Booking, carry: Carry) -> str:
    """The held day's times, saying this one was lost."""
    local = clinic_time.local(held.starts_at)
    return carry.url(
        "book-times",
        held.appointment_type.slug,
        date=local.date().isoformat(),
        taken=clinic_time.wall_clock(held.starts_at),
    )


@page
def booked(request, reference):
    booking = patients_booking(reference, request.GET.get("token", ""))
    if booking is None:
        return not_found(request, _("No booking matches this link."))
    token = request.GET["token"]
    carry = Carry.of(request)
    if not booking.shows_patient_details:  # cancelled since: its page says so, and no longer who booked
        return redirect(carry.url("manage-booking", booking.reference, token=token))
    return show(
        request,
        "booked.html",
        {
            "booking": booking,
            "manage_url": carry.url("manage-booking", booking.reference, token=token),
            "ics_url": carry.url("manage-invite", booking.reference, token=token),
            "google_url": calendar_links.google_url(booking, request.clinic),
            "outlook_url": calendar_links.outlook_url(booking, request.clinic),
        },
        embed_event={"type": "booked", "booking_id": booking.reference},
    )
