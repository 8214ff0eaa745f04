"""Each practitioner's private calendar feed, for phone and desktop calendars to subscribe to.

`/calendars/<practitioner>.ics?token=…`: their appointments from 30 days back to the booking horizon, with
the patient's initials only. Calendars poll feeds every few minutes, so an unchanged feed costs two
aggregate queries and a 304 (ETag and Last-Modified). A feed sent in full is recorded in the log of reads
of patient data, one row per booking in it, with the feed as the reader; a 304 carries no patient data.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from notifications import invites
from scheduling import access_log, clinic_time
from scheduling.models import AppointmentType, Booking, Clinic, Practitioner

DAYS_BACK = 30
SHOWN = [Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.COMPLETED, Booking.Status.NO_SHOW]


@require_safe
def practitioner_feed(request, practitioner: str) -> HttpResponse:
    found = Practitioner.objects.filter(slug=practitioner).first()
    # A wrong token, a rotated one and an unknown practitioner look the same.
    if found is None or not found.accepts_feed_token(request.GET.get("token", "")):
        raise Http404("No such calendar.")
    clinic = Clinic.load()
    now = clinic_time.now()
    horizon = AppointmentType.objects.aggregate(days=Max("horizon_days"))["days"] or 0
    in_window = Booking.objects.filter(
        practitioner=found,
        starts_at__gte=now - timedelta(days=DAYS_BACK),
        starts_at__lt=now + timedelta(days=horizon + 1),
    )
    # Cancelled and moved bookings count too: their disappearance is a change subscribers must see.
    stamp = in_window.aggregate(changed=Max("updated_at"), rows=Count("pk"))
    last_modified = max(filter(None, [stamp["changed"], clinic.updated_at, found.feed_token_issued_at]))
    version = f"{found.pk}:{stamp['rows']}:{last_modified.isoformat()}:{clinic_time.today()}"
    etag = quote_etag(hashlib.sha256(version.encode()).hexdigest()[:32])
    unchanged = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    if unchanged is None:
        bookings = list(in_window.filter(status__in=SHOWN).select_related("appointment_type").order_by("starts_at"))
        appointments = [
            invites.Appointment(
                reference=booking.reference,
                revision=booking.revision,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                summary=f"{booking.appointment_type.name}: {initials(booking.patient_name)}",
            )
            for booking in bookings
        ]
        body = invites.feed(appointments, clinic, name=f"{found.name}, {clinic.name}", stamp=last_modified)
        access_log.record_feed_fetch(request, found, bookings)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    else:
        response = unchanged
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified.timestamp())
    # Patient initials: no HTTP cache keeps them. Calendar apps keep the events themselves, and still send
    # the ETag back, so an unchanged feed stays a 304.
    add_never_cache_headers(response)
    return response


def initials(name: str) -> str:
    """'Rahul Sharma' -> 'R. S.': enough for a practitioner to recognise a visit, too little to identify."""
    return " ".join(f"{part[0].upper()}." for part in name.split() if part[0].isalpha()) or "Patient"
