"""A patient's own booking, opened by the manage link: view it, cancel it, or move it to another time.

The manage token is the credential; a wrong one looks exactly like an unknown booking. It arrives in the
e-mailed link once, and is swapped for a cookie at once (booking_page/passes.py); a change is authorised only
by the token in its form's body.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page import calendar_links
from booking_page.carry import Carry
from booking_page.flow import Flow
from booking_page.forms import CancelForm
from booking_page.headers import page, wait_seconds
from booking_page.passes import FIELD, SEE_OTHER, Pass
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
from scheduling import bookings, clinic_time, links, tokens
from scheduling.models import Booking, BookingEvent, PrivacyRequest
from scheduling.patients import privacy_requests
from scheduling.rules import BookingError, BookingRuleBroken, TooLateToChange

VIA = BookingEvent.Channel.BOOKING_PAGE
DONE = {
    "cancelled",
    "moved",
    "changed_meanwhile",
    "copy_asked",
    "erasure_asked",
    "copy_already_asked",
    "erasure_already_asked",
    "privacy_unrecorded",
}


def _refusal(booking: Booking) -> BookingError | None:
    """Why the patient may not cancel or move this booking now (the write path's own rule), or None."""
    return bookings.change_refusal(booking, by=bookings.PATIENT, now=clinic_time.now())


def _opened(request, reference: str) -> tuple[Pass, str, Booking | None]:
    """The booking's pass, the token this request carries (link, cookie or form) and the booking it opens."""
    credential = Pass.to("manage-booking", reference)
    token = credential.token(request)
    return credential, token, patients_booking(reference, token)


def _unknown(request) -> HttpResponse:
    return not_found(request, _("No booking matches this link. Check that you used the whole link."))


@page
@require_http_methods(["GET", "POST"])
def manage(request, reference):
    credential, token, booking = _opened(request, reference)
    if booking is None:
        return _unknown(request)
    if credential.from_link(request):
        return credential.exchange(request, token)
    carry = Carry.of(request)
    here = carry.url("manage-booking", booking.reference)
    intent = request.POST.get("intent") if request.method == "POST" else None
    if intent == "privacy":
        return _ask_about_data(request, credential, token, booking, carry)
    if request.method == "POST" and intent != "cancel":
        # The confirmation's "view, move or cancel" button: it posts the token, which the cookie keeps.
        return credential.see(request, here, token)
    if intent == "cancel" and booking.status == Booking.Status.CANCELLED:
        # The confirmation posted again (back, then resubmit): it is cancelled already, which is what was asked.
        return credential.see(request, carry.url("manage-booking", booking.reference, done="cancelled"), token)
    form = CancelForm(request.POST or None)
    problem, status = "", 200
    if request.method == "GET" and request.GET.get("step") == "cancel" and _refusal(booking) is None:
        return _cancel_step(request, booking, token, form, here, carry)
    if request.method == "POST" and not form.is_valid():
        return _cancel_step(request, booking, token, form, here, carry)
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
            return credential.see(request, carry.url("manage-booking", booking.reference, done="cancelled"), token)
    done = request.GET.get("done")
    if request.GET.get("step") == "cancel" and booking.status == Booking.Status.CANCELLED:
        done = "cancelled"  # back to the cancel step after cancelling: it is done
    return show(
        request,
        "manage.html",
        {
            "booking": booking,
            "token": token,
            "form": form,
            "problem": problem,
            "here": here,
            "done": done if done in DONE else "",
            "refusal": _refusal(booking),
            "move_url": carry.url("manage-move", booking.reference),
            "cancel_url": carry.url("manage-booking", booking.reference, step="cancel"),
            "book_again_url": carry.added_to(links.book_again_path(booking)),
            "ics_action": reverse("manage-invite", args=[booking.reference]),
            "google_url": calendar_links.google_url(booking, request.clinic),
            "outlook_url": calendar_links.outlook_url(booking, request.clinic),
            **_course_of(booking),
        },
        status=status,
    )


def _cancel_step(request, booking: Booking, token: str, form: CancelForm, here: str, carry: Carry) -> HttpResponse:
    """Before cancelling: what will happen (the time goes to others, an e-mail confirms it, until when it
    could be changed online), the reason box, and a new time instead. Only its POST cancels."""
    cutoff = booking.appointment_type.patient_change_cutoff_minutes
    return show(
        request,
        "manage_cancel.html",
        {
            "booking": booking,
            "token": token,
            "form": form,
            "here": here,
            "back_url": here,
            "move_url": carry.url("manage-move", booking.reference),
            "cutoff_minutes": cutoff,
            "change_deadline": booking.starts_at - timedelta(minutes=cutoff),
        },
    )


def _course_of(booking: Booking) -> dict:
    """For a course's visit: the course and how to open its page, the course's token posted (never in a URL).
    Whoever holds a visit's link is the course's patient, as whoever holds the course's link."""
    if booking.series_id is None:
        return {}
    series = booking.series
    return {
        "course": series,
        "course_action": reverse("manage-course", args=[series.reference]),
        "course_token": tokens.manage_token(series.reference),
    }


def _ask_about_data(request, credential: Pass, token: str, booking: Booking, carry: Carry) -> HttpResponse:
    """ "Request a copy of my data" or "Delete my data": a request for the clinic's staff, who handle it."""
    wait = wait_seconds(request, "manage")
    if wait:
        return too_many(request, wait, "manage")
    kind = request.POST.get("kind", "")
    if kind not in PrivacyRequest.Kind.values:
        return credential.see(request, carry.url("manage-booking", booking.reference), token)
    try:
        _, made = privacy_requests.ask(booking, kind)
    except BookingError:
        done = "privacy_unrecorded"
    else:
        done = f"{kind}_asked" if made else f"{kind}_already_asked"
    return credential.see(request, carry.url("manage-booking", booking.reference, done=done), token)


def _move_flow(request, reference) -> tuple[Flow | None, dict | HttpResponse]:
    """The move pages' flow and context, or the answer instead of them: the link's exchange for the cookie,
    an unknown booking, or why the patient may not move it now."""
    credential, token, booking = _opened(request, reference)
    if booking is None:
        return None, _unknown(request)
    if credential.from_link(request):
        return None, credential.exchange(request, token)
    refused = _refusal(booking)
    if refused is not None:
        return None, cannot_change(request, refused)
    flow = Flow(
        picker=Picker(booking.appointment_type, booking.practitioner, moving=booking),
        carry=Carry.of(request),
        calendar_page="manage-move",
        times_page="manage-move-times",
        args=(booking.reference,),
        secret=((FIELD, token),),
    )
    context = {
        "booking": booking,
        "appointment_type": booking.appointment_type,
        "practitioner": booking.practitioner,
        "step": "move",
        "back_url": flow.carry.url("manage-booking", booking.reference),
    }
    return flow, context


@page
def move(request, reference):
    flow, context = _move_flow(request, reference)
    if flow is None:
        return context
    return calendar_step(request, flow, context)


@page
@require_http_methods(["GET", "POST"])
def move_times(request, reference):
    flow, context = _move_flow(request, reference)
    if flow is None:
        return context
    if request.method == "GET":
        return times_step(request, flow, context)
    booking = context["booking"]
    credential, token = Pass.to("manage-booking", booking.reference), dict(flow.secret)[FIELD]

    moved_url = flow.carry.url("manage-booking", booking.reference, done="moved")
    confirmed = request.POST.get("confirm") == "yes"

    def move_to(day, start_time):
        new_start = clinic_time.at(day, start_time)
        if confirmed and booking.starts_at == new_start:  # moved there already: by this very form, sent twice
            return HttpResponseRedirect(moved_url, status=SEE_OTHER)
        if confirmed and request.POST.get("revision") != str(booking.revision):
            # The confirmation posted again after the move (back, then resubmit), or after another change:
            # the booking is shown as it now is, and nothing moves a second time.
            meanwhile = flow.carry.url("manage-booking", booking.reference, done="changed_meanwhile")
            return HttpResponseRedirect(meanwhile, status=SEE_OTHER)
        if not confirmed:
            if not any(slot.span.start == new_start for slot in flow.picker.times(day, clinic_time.now())):
                raise BookingRuleBroken("This time is not free.", field="start_time")
            return _move_step(request, flow, booking, day, new_start)
        bookings.reschedule(
            booking, bookings.RequestedSlot(booking.appointment_type, day, start_time), by=bookings.PATIENT, via=VIA
        )
        return HttpResponseRedirect(moved_url, status=SEE_OTHER)

    # Whatever the answer leads to (the booking, or the day saying the time was taken) opens with the cookie.
    return credential.keep(request, take_chosen_time(request, flow, "manage", move_to), token)


def _move_step(request, flow: Flow, booking: Booking, day, new_start) -> HttpResponse:
    """Before moving: the old time and the new side by side. Its button posts the same time again, with the
    booking's revision, so a second post of it (the back button) cannot move the booking again."""
    return show(
        request,
        "manage_move.html",
        {
            "booking": booking,
            "appointment_type": booking.appointment_type,
            "new_start": new_start,
            "new_end": new_start + booking.appointment_type.duration,
            "action": flow.times_url(),
            "secret": flow.post_fields(),
            "day": day,
            "back_url": flow.times_url(day),
        },
    )


@page
@require_http_methods(["GET", "POST"])
def invite(request, reference):
    """The booking as an .ics file: a download button posts the token; a GET uses the cookie."""
    credential, token, booking = _opened(request, reference)
    if booking is None:
        return not_found(request, _("No booking matches this link."))
    if credential.from_link(request):
        return credential.exchange(request, token)
    response = HttpResponse(
        calendar_links.ics_file(booking, request.clinic), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{booking.reference}.ics"'
    return response


@page
def confirmation_link(request, reference):
    """Where the confirmation was before it lost its URL: a link to it from a browser's history still opens
    the booking, as the manage page, once its token is swapped for the cookie."""
    credential = Pass.to("manage-booking", reference)
    token = request.GET.get(FIELD, "")
    booking = patients_booking(reference, token)
    if booking is None:
        return not_found(request, _("No booking matches this link."))
    return credential.see(request, reverse("manage-booking", args=[booking.reference]), token)
