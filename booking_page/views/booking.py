"""Booking a visit: type, practitioner, day, time (which takes a hold), details, confirmation.

Every step works without JavaScript. Up to the time, every step has its own URL. Choosing a time answers
with the details form, and sending it answers with the confirmation: the hold's id and the manage token
travel only in those POSTs' bodies and answers, never in a URL, where logs and history would keep them.
"""

from __future__ import annotations

import contextlib

from django.shortcuts import redirect
from django.urls import reverse
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
    gone,
    not_found,
    offered_type,
    show,
    take_chosen_time,
    times_step,
)
from clinic_project.clients import client_address
from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.reference import reference_data
from scheduling.rules import AnswersRefused, BookingError, HoldNotFound
from scheduling.tokens import holder_key

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
        held, hold_id = bookings.hold(
            bookings.RequestedSlot(flow.picker.appointment_type, day, start_time, flow.picker.practitioner),
            holder=holder_key(client_address(request)),
            via=VIA,
        )
        return details_step(
            request, held, hold_id, PatientDetailsForm(appointment_type=held.appointment_type), flow.carry
        )

    return take_chosen_time(request, flow, "hold", hold)


@page
@require_http_methods(["GET", "POST"])
def details(request):
    """The details form's POST: the hold id comes in its body, so it never reaches a URL or a log."""
    if request.method == "GET":
        return not_found(request, _("This step follows choosing a time. Please choose a time."))
    hold_id = request.POST.get("hold_id", "")
    try:
        held = bookings.find_hold(hold_id) if hold_id else None
    except HoldNotFound:
        held = None
    if held is None:
        return not_found(request, _("This held time is unknown. Please choose a time again."))
    if held.status not in Booking.HOLD_STATUSES:
        # A second submit, or a replayed one: the hold's id no longer opens anything. The patient's own
        # answer showed the booking, and their e-mail has its link.
        return gone(request, _("This time is already booked. The confirmation e-mail has the link to the booking."))
    carry = Carry.of(request)
    lost = _lost_time_url(held, carry)
    if held.status != Booking.Status.HELD:
        return redirect(lost)
    form = PatientDetailsForm(request.POST, appointment_type=held.appointment_type)
    if form.is_valid():
        try:
            booking, token = bookings.confirm_hold(
                held, patient=bookings.PatientDetails.named_in(form.cleaned_data), via=VIA
            )
        except AnswersRefused as refused:  # a question changed since the page was shown: ask again
            form.add_refusal(refused)
        except (HoldNotFound, BookingError):
            return redirect(lost)
        else:
            return booked_page(request, booking, token, carry)
    return details_step(request, held, hold_id, form, carry)


@page
@require_http_methods(["POST"])
def release(request):
    """Choosing another time lets the hold go at once (its id in the body, as for the details), so a
    patient going back and forth keeps no seat or slot from anyone, then the calendar again."""
    try:
        held = bookings.find_hold(request.POST.get("hold_id", ""))
    except HoldNotFound:
        held = None
    carry = Carry.of(request)
    if held is None:
        return redirect(carry.url("book-types"))
    if held.status == Booking.Status.HELD:
        with contextlib.suppress(BookingError):  # confirmed or lapsed meanwhile: nothing to let go
            bookings.release_hold(held, via=VIA)
    return redirect(carry.url("book-calendar", held.appointment_type.slug))


def details_step(request, held: Booking, hold_id: str, form: PatientDetailsForm, carry: Carry):
    """The patient's details form for a hold: the answer to choosing the time, and to a form with errors."""
    now = clinic_time.now()
    return show(
        request,
        "details.html",
        {
            "booking": held,
            "hold_id": hold_id,
            "form": form,
            "action": carry.url("book-details"),
            "hold_lapsed": held.hold_expires_at <= now,
            "hold_minutes": bookings.hold_minutes(),
            "release_action": carry.url("book-release"),
        },
        embed_event={"type": "time_chosen", "start": held.starts_at.isoformat()},
    )


def _lost_time_url(held: Booking, carry: Carry) -> str:
    """The held day's times, saying the hold on this one ran out (or could no longer be kept)."""
    local = clinic_time.local(held.starts_at)
    return carry.url(
        "book-times",
        held.appointment_type.slug,
        date=local.date().isoformat(),
        taken=clinic_time.wall_clock(held.starts_at),
        lapsed="1",
    )


def booked_page(request, booking: Booking, token: str, carry: Carry):
    """The confirmation, as the answer to the POST that booked: it has no URL of its own, since one would
    have to carry the token. Its buttons post the token to the booking's own pages."""
    return show(
        request,
        "booked.html",
        {
            "booking": booking,
            "token": token,
            "manage_action": reverse("manage-booking", args=[booking.reference]),
            "ics_action": reverse("manage-invite", args=[booking.reference]),
            "google_url": calendar_links.google_url(booking, request.clinic),
            "outlook_url": calendar_links.outlook_url(booking, request.clinic),
        },
        embed_event={"type": "booked", "booking_id": booking.reference},
    )


@page
def hold_link_gone(request, hold_id):
    """Where a hold's page was before hold ids left URLs: it leads nowhere now, whatever the id."""
    return gone(request, _("This link no longer works. Please choose a time again."))
