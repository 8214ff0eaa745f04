"""Each practitioner's private calendar feed, for phone and desktop calendars to subscribe to.

`/calendars/<practitioner>.ics?token=…`: their appointments from 30 days back to the booking horizon, with
the patient's initials only; a group session is one event with its seats taken, naming nobody. Calendars
poll feeds every few minutes, so an unchanged feed costs two aggregate queries and a 304 (ETag and
Last-Modified). A feed sent in full is recorded in the log of reads
of patient data, one row per booking in it, with the feed as the reader; a 304 carries no patient data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Count, Max, Sum
from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from notifications import invites
from scheduling import access_log, clinic_time
from scheduling.models import (
    AppointmentType,
    Booking,
    Clinic,
    GroupSession,
    Practitioner,
    Resource,
    ResourceClaim,
)

DAYS_BACK = 30
SHOWN = [Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.COMPLETED, Booking.Status.NO_SHOW]


def window() -> tuple:
    """The instants a feed covers: DAYS_BACK ago to the furthest any type may be booked ahead."""
    now = clinic_time.now()
    horizon = AppointmentType.objects.aggregate(days=Max("horizon_days"))["days"] or 0
    return now - timedelta(days=DAYS_BACK), now + timedelta(days=horizon + 1)


@require_safe
def practitioner_feed(request, practitioner: str) -> HttpResponse:
    found = Practitioner.objects.filter(slug=practitioner).first()
    # A wrong token, a rotated one and an unknown practitioner look the same.
    if found is None or not found.accepts_feed_token(request.GET.get("token", "")):
        raise Http404("No such calendar.")
    clinic = Clinic.load()
    first, last = window()
    in_window = Booking.objects.filter(practitioner=found, starts_at__gte=first, starts_at__lt=last)
    # Cancelled and moved bookings count too: their disappearance is a change subscribers must see.
    stamp = in_window.aggregate(changed=Max("updated_at"), rows=Count("pk"))
    last_modified = max(filter(None, [stamp["changed"], clinic.updated_at, found.feed_token_issued_at]))
    version = f"{found.pk}:{stamp['rows']}:{last_modified.isoformat()}:{clinic_time.today()}"

    def full() -> str:
        shown = in_window.filter(status__in=SHOWN).select_related("appointment_type", "series")
        bookings = list(shown.order_by("starts_at"))
        alone = [booking for booking in bookings if booking.session_id is None]
        appointments = [
            invites.Appointment(
                reference=booking.reference,
                revision=booking.revision,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                summary=f"{booking.appointment_type.name}: {initials(booking.patient_name)}",
                # A course's visits are related, as in the patient's calendar.
                related_to=invites.uid(booking.series.reference) if booking.series_id else "",
            )
            for booking in alone
        ]
        appointments += session_events(in_window, [b for b in bookings if b.session_id is not None])
        appointments.sort(key=lambda appointment: appointment.starts_at)
        access_log.record_feed_fetch(request, found, alone)
        return invites.feed(appointments, clinic, name=f"{found.name}, {clinic.name}", stamp=last_modified)

    return conditional_calendar(request, version, last_modified, full)


def conditional_calendar(request, version: str, last_modified, body: Callable[[], str]) -> HttpResponse:
    """A feed's answer: 304 while the subscriber's copy is this `version` (ETag) or not older than
    `last_modified`, else `body()`. Calendar apps keep the events themselves, and still send the ETag
    back, so an unchanged feed stays a 304; no HTTP cache keeps it (a practitioner's names initials)."""
    etag = quote_etag(hashlib.sha256(version.encode()).hexdigest()[:32])
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    if response is None:
        response = HttpResponse(body(), content_type="text/calendar; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    add_never_cache_headers(response)
    return response


def session_events(in_window, seats: list[Booking]) -> list[invites.Appointment]:
    """One event per group session, "Flu jab: 7 of 12 seats", naming nobody. Its sequence is the sum of
    every seat's revision (cancelled seats too), which only grows, so calendars take each change."""
    by_session: dict[int, list[Booking]] = {}
    for seat in seats:
        by_session.setdefault(seat.session_id, []).append(seat)
    if not by_session:
        return []
    revisions = dict(
        in_window.filter(session_id__in=by_session)
        .values_list("session_id")
        .annotate(revisions=Sum("revision"))
        .order_by()
    )
    capacities = dict(GroupSession.objects.filter(pk__in=by_session).values_list("pk", "capacity"))
    return [
        invites.Appointment(
            reference=f"session-{session}",
            revision=revisions[session],
            starts_at=taken[0].starts_at,
            ends_at=taken[0].ends_at,
            summary=f"{taken[0].appointment_type.name}: {len(taken)} of {capacities[session]} seats",
        )
        for session, taken in by_session.items()
    ]


def initials(name: str) -> str:
    """'Rahul Sharma' -> 'R. S.': enough for a practitioner to recognise a visit, too little to identify."""
    return " ".join(f"{part[0].upper()}." for part in name.split() if part[0].isalpha()) or "Patient"


@require_safe
def resource_feed(request, resource: str) -> HttpResponse:
    """A room's or machine's calendar: `/calendars/resources/<slug>.ics?token=…`, its claims from 30 days
    back to the booking horizon, each the booking's type, time and practitioner; no patient at all (a room's
    calendar hangs on its door, or on a shared screen), so nothing for the log of reads. A group session is
    one event, however many seats."""
    found = Resource.objects.filter(slug=resource).first()
    if found is None or not found.accepts_feed_token(request.GET.get("token", "")):
        raise Http404("No such calendar.")
    clinic = Clinic.load()
    first, last = window()
    in_window = ResourceClaim.objects.filter(resource=found, booking__starts_at__gte=first, booking__starts_at__lt=last)
    # A claim moved to or from this unit changes the count and the newest claim; a booking's change its stamp.
    stamp = in_window.aggregate(changed=Max("booking__updated_at"), rows=Count("pk"), newest=Max("pk"))
    last_modified = max(filter(None, [stamp["changed"], clinic.updated_at, found.feed_token_issued_at]))
    version = f"r{found.pk}:{stamp['rows']}:{stamp['newest']}:{last_modified.isoformat()}:{clinic_time.today()}"

    def full() -> str:
        claims = in_window.filter(status__in=SHOWN).select_related(
            "booking__appointment_type", "booking__practitioner", "session"
        )
        events, sessions = [], set()
        for claim in claims.order_by("booking__starts_at", "pk"):
            booking = claim.booking
            if claim.session_id in sessions:
                continue  # one event per session: its seats share the unit's time
            if claim.session_id:
                sessions.add(claim.session_id)
            what = (
                f"{booking.appointment_type.name} (group session)"
                if claim.session_id
                else booking.appointment_type.name
            )
            events.append(
                invites.Appointment(
                    # Not the booking's own UID (a practitioner subscribed to both feeds sees both events),
                    # nor its reference: a room's calendar is on a shared screen.
                    reference=f"session-{claim.session_id}-{found.slug}"
                    if claim.session_id
                    else f"claim-{hashlib.sha256(booking.reference.encode()).hexdigest()[:20]}-{found.slug}",
                    revision=booking.revision,
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    summary=f"{what}: {booking.practitioner.name}",
                )
            )
        return invites.feed(events, clinic, name=f"{found.name}, {clinic.name}", stamp=last_modified)

    return conditional_calendar(request, version, last_modified, full)
