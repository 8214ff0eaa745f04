"""The waitlist on the booking page: join it from a day with no free time, see one's place in line, answer
an offer (the link in the offer e-mail), or leave.

As with bookings, the token is the credential, and a wrong one looks like an unknown entry. It arrives in
the e-mailed link once and is swapped for a cookie at once, or in a form's body (booking_page/passes.py).
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking_page.carry import Carry
from booking_page.forms import WaitlistForm
from booking_page.headers import page, wait_seconds
from booking_page.month import Month
from booking_page.passes import Pass
from booking_page.picker import Picker
from booking_page.views.booking import booked_page, booking_flow
from booking_page.views.common import not_found, show, too_many
from scheduling import bookings, clinic_time
from scheduling.models import BookingEvent
from scheduling.rules import BookingError, BookingRuleBroken
from scheduling.tokens import LinkExpired
from waitlist import line, offers
from waitlist.models import Entry, Offer

VIA = BookingEvent.Channel.BOOKING_PAGE
DONE = {"joined", "left", "declined"}
ANSWERS = {"accept", "decline"}


@page
@require_http_methods(["GET", "POST"])
def join(request, appointment_type):
    flow, context = booking_flow(request, appointment_type)
    if flow is None:
        return not_found(request, _("This appointment or practitioner is not offered."))
    form = WaitlistForm(
        request.POST or None, initial=_initial(request, flow.picker), appointment_type=flow.picker.appointment_type
    )
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
            entry = line.join(wish, bookings.PatientDetails.named_in(data))
        except BookingRuleBroken as broken:
            form.add_error(broken.field if broken.field in form.fields else None, broken.message)
        else:
            # The entry's page is this POST's answer: a redirect would have to carry its token in the URL.
            return _entry_page(request, entry, entry.token, flow.carry, done="joined")
    return show(
        request,
        "waitlist_join.html",
        {
            **context,
            "form": form,
            "action": flow.carry.url(
                "book-waitlist", *flow.args, **flow.query, date=request.GET.get("date"), month=request.GET.get("month")
            ),
            "back_url": flow.calendar_url(),
            "offer_minutes": round(offers.offer_minutes()),
        },
    )


def _initial(request, picker: Picker) -> dict:
    """The days the patient was looking at: the day they chose, or the month shown (from today to the
    horizon), else the next two weeks; never past the horizon, which the waitlist would refuse."""
    now = clinic_time.now()
    today = clinic_time.local_date(now)
    last = min(picker.last_day(now), today + timedelta(days=picker.appointment_type.horizon_days))
    with contextlib.suppress(ValueError):
        day = min(max(today, date.fromisoformat(request.GET.get("date", ""))), last)
        return {"earliest_date": day, "latest_date": day}
    month = Month.parse(request.GET.get("month"))
    if month and month.last_day >= today and month.first_day <= last:
        return {"earliest_date": max(today, month.first_day), "latest_date": min(month.last_day, last)}
    return {"earliest_date": today, "latest_date": min(today + timedelta(days=13), last)}


@page
@require_http_methods(["GET", "POST"])
def entry_page(request, reference):
    credential = Pass.to("waitlist-entry", reference)
    token = credential.token(request)
    entry = Entry.objects.opened_by(reference, token)
    if entry is None:
        return not_found(request, _("No waitlist entry matches this link. Check that you used the whole link."))
    if credential.from_link(request):
        return credential.exchange(request, token)
    carry = Carry.of(request)
    if request.method == "POST":
        if request.POST.get("intent") != "leave":  # a button that opens this page posts its token
            return credential.see(request, carry.url("waitlist-entry", entry.reference), token)
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        line.leave(entry, via=VIA)
        return credential.see(request, carry.url("waitlist-entry", entry.reference, done="left"), token)
    return _entry_page(request, entry, token, carry, done=request.GET.get("done"))


def _entry_page(request, entry: Entry, token: str, carry: Carry, *, done: str | None):
    today = clinic_time.today()
    offered = line.open_offer(entry)
    return show(
        request,
        "waitlist_entry.html",
        {
            "entry": entry,
            "token": token,
            "state": entry.state(today),
            "position": line.position(entry, today),
            "offer": offered,
            "offer_action": offered and reverse("waitlist-offer", args=[offered.hold.reference]),
            "offer_token": offered and offered.hold.manage_token,
            "booking_action": entry.booking and reverse("manage-booking", args=[entry.booking.reference]),
            "booking_token": entry.booking and entry.booking.manage_token,
            "here": carry.url("waitlist-entry", entry.reference),
            "done": done if done in DONE else "",
        },
    )


@page
@require_http_methods(["GET", "POST"])
def offer_page(request, reference):
    """The offer e-mail's link: the held booking's reference and its manage token."""
    credential = Pass.to("waitlist-offer", reference)
    token = credential.token(request)
    offered = (
        Offer.objects.select_related("entry", "hold__appointment_type", "hold__practitioner")
        .filter(hold__reference=reference)
        .first()
    )
    if offered is None or not offered.hold.accepts_manage_token(token):
        return not_found(request, _("No offer matches this link. Check that you used the whole link."))
    if offered.hold.manage_link_expired(clinic_time.now()):
        raise LinkExpired
    if credential.from_link(request):
        return credential.exchange(request, token)
    carry = Carry.of(request)
    entry = offered.entry
    if offered.status == Offer.Status.ACCEPTED:  # the same token is the booking's: the link opens it now
        return Pass.to("manage-booking", reference).see(request, carry.url("manage-booking", reference), token)
    answer = request.POST.get("answer")
    if request.method == "POST" and answer not in ANSWERS:  # a button that opens this page posts its token
        return credential.see(request, carry.url("waitlist-offer", reference), token)
    problem = ""
    if request.method == "POST" and offered.is_open:
        wait = wait_seconds(request, "manage")
        if wait:
            return too_many(request, wait, "manage")
        try:
            if answer == "accept":
                booking, booking_token = offers.accept(offered, via=VIA)
                return booked_page(request, booking, booking_token, carry)
            offers.decline(offered, via=VIA)
            entry_page_url = carry.url("waitlist-entry", entry.reference, done="declined")
            return Pass.to("waitlist-entry", entry.reference).see(request, entry_page_url, entry.token)
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
            "token": token,
            "open": offered.is_open and offered.expires_at > now,
            "problem": problem,
            "here": carry.url("waitlist-offer", reference),
            "entry_action": reverse("waitlist-entry", args=[entry.reference]),
            "entry_token": entry.token,
            "still_waiting": entry.state(clinic_time.local_date(now)) == Entry.Status.WAITING,
        },
    )
