"""The waitlist on the booking page: join it from a day with no free time, see one's place in line, answer
an offer (the link in the offer e-mail), or leave.

As with bookings, the token in the link is the credential, and a wrong one looks like an unknown entry.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page.carry import Carry
from booking_page.forms import WaitlistForm
from booking_page.headers import page, wait_seconds
from booking_page.views.booking import booking_flow
from booking_page.views.common import not_found, show, too_many
from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.rules import BookingError, BookingRuleBroken
from scheduling.tokens import LinkExpired
from waitlist import line, offers
from waitlist.models import Entry, Offer

VIA = BookingEvent.Channel.BOOKING_PAGE
DONE = {"joined", "left", "declined"}


@page
@require_http_methods(["GET", "POST"])
def join(request, appointment_type):
    flow, context = booking_flow(request, appointment_type)
    if flow is None:
        return not_found(request, _("This appointment or practitioner is not offered."))
    form = WaitlistForm(request.POST or None, initial=_initial(request, flow.carry))
    if request.method == "POST" and form.is_valid():
        wait = wait_seconds(request, "waitlist")
        if wait:
            return too_many(request, wait, "waitlist")
        data = form.cleaned_data
        wish = line.Wish(
            appointment_type=flow.picker.appointment_type,
            practitioner=flow.picker.practitioner,
            **{name: data[name] for name in ("earliest_date", "latest_date", "earliest_time", "latest_time")},
        )
        try:
            entry = line.join(wish, bookings.Patient.named_in(data))
        except BookingRuleBroken as broken:
            form.add_error(broken.field if broken.field in form.fields else None, broken.message)
        else:
            return redirect(flow.carry.url("waitlist-entry", entry.reference, token=entry.token, done="joined"))
    return show(
        request,
        "waitlist_join.html",
        {**context, "form": form, "back_url": flow.calendar_url(), "offer_minutes": round(offers.offer_minutes())},
    )


def _initial(request, carry: Carry) -> dict:
    """The day the patient came from (or the next two weeks), and any details the visit carries."""
    today = clinic_time.today()
    try:
        day = max(today, date.fromisoformat(request.GET.get("date", "")))
        days = {"earliest_date": day, "latest_date": day}
    except ValueError:
        days = {"earliest_date": today, "latest_date": today + timedelta(days=13)}
    return {**days, **carry.prefill()}


@page
@require_http_methods(["GET", "POST"])
def entry_page(request, reference):
    token = request.GET.get("token", "")
    entry = Entry.objects.opened_by(reference, token)
    if entry is None:
        return not_found(request, _("No waitlist entry matches this link. Check that you used the whole link."))
    carry = Carry.of(request)
    if request.method == "POST":
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        line.leave(entry, via=VIA)
        return redirect(carry.url("waitlist-entry", entry.reference, token=token, done="left"))
    today = clinic_time.today()
    offered = line.open_offer(entry)
    done = request.GET.get("done")
    return show(
        request,
        "waitlist_entry.html",
        {
            "entry": entry,
            "state": entry.state(today),
            "position": line.position(entry, today),
            "offer": offered,
            "offer_url": offered and _offer_url(carry, offered.hold),
            "booking_url": entry.booking
            and carry.url("manage-booking", entry.booking.reference, token=entry.booking.manage_token),
            "here": carry.url("waitlist-entry", entry.reference, token=token),
            "done": done if done in DONE else "",
        },
    )


def _offer_url(carry: Carry, held: Booking) -> str:
    return carry.url("waitlist-offer", held.reference, token=held.manage_token)


@page
@require_http_methods(["GET", "POST"])
def offer_page(request, reference):
    """The offer e-mail's link: the held booking's reference and its manage token."""
    token = request.GET.get("token", "")
    offered = (
        Offer.objects.select_related("entry", "hold__appointment_type", "hold__practitioner")
        .filter(hold__reference=reference)
        .first()
    )
    if offered is None or not offered.hold.accepts_manage_token(token):
        return not_found(request, _("No offer matches this link. Check that you used the whole link."))
    if offered.hold.manage_link_expired(clinic_time.now()):
        raise LinkExpired
    carry = Carry.of(request)
    entry = offered.entry
    entry_url = carry.url("waitlist-entry", entry.reference, token=entry.token)
    if offered.status == Offer.Status.ACCEPTED:
        return redirect(carry.url("manage-booking", reference, token=token))
    problem = ""
    if request.method == "POST" and offered.is_open:
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                booking, booking_token = offers.accept(offered, via=VIA)
                return redirect(carry.url("book-booked", booking.reference, token=booking_token))
            if answer == "decline":
                offers.decline(offered, via=VIA)
                return redirect(carry.url("waitlist-entry", entry.reference, token=entry.token, done="declined"))
        except BookingError as error:
            problem = error.message
            offered.refresh_from_db()
    now = clinic_time.now()
    return show(
        request,
        "offer.html",
        {
            "offer": offered,
            "booking": offered.hold,
            "open": offered.is_open and offered.expires_at > now,
            "problem": problem,
            "here": carry.url("waitlist-offer", reference, token=token),
            "entry_url": entry_url,
            "still_waiting": entry.state(clinic_time.local_date(now)) == Entry.Status.WAITING,
        },
    )
