"""Links patients are given: where they view, cancel or move their own booking."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from scheduling import tokens
from scheduling.models import Booking, BookingSeries, Practitioner, Resource
from scheduling.reference import clinic_details, reference_data


def manage_url(booking: Booking, token: str, request=None) -> str:
    """The patient's link to their booking's page (view, move, cancel), absolute when a request says which
    host they used. Clients of the API use /api/calendly/bookings/<id> with the same token."""
    path = f"{reverse('manage-booking', kwargs={'reference': booking.reference})}?token={token}"
    return request.build_absolute_uri(path) if request else path


def patients_manage_url(booking: Booking) -> str:
    """The link for messages sent with no request at hand (e-mails, invites), on the public SITE_URL."""
    return settings.SITE_URL.rstrip("/") + manage_url(booking, booking.manage_token)


def course_manage_url(series: BookingSeries, token: str, request=None) -> str:
    """The patient's link to their course of treatment: every visit, and cancelling from one on."""
    path = f"{reverse('manage-course', kwargs={'reference': series.reference})}?token={token}"
    return request.build_absolute_uri(path) if request else path


def patients_course_url(series: BookingSeries) -> str:
    """The course's link for e-mails, on the public SITE_URL."""
    return settings.SITE_URL.rstrip("/") + course_manage_url(series, tokens.manage_token(series.reference))


def patients_move_url(booking: Booking) -> str:
    """The patient's page for choosing another time for their booking (staff offered new times)."""
    path = reverse("manage-move", kwargs={"reference": booking.reference})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={booking.manage_token}"


def book_again_path(booking: Booking) -> str:
    """The booking page started at the booking's type and practitioner, to book again after a cancellation:
    their free days, when that practitioner still offers the type; else whoever offers it, else every type.
    It names no patient: only the type and the practitioner, which the booking page shows anyone."""
    reference = reference_data()
    offered = reference.types.get(booking.appointment_type.slug)
    if offered is None or not reference.offering.get(offered.pk):
        return reverse("book-types")
    if reference.offers(booking.practitioner, offered):
        path = reverse("book-calendar", kwargs={"appointment_type": offered.slug})
        return f"{path}?{urlencode({'with': booking.practitioner.slug})}"
    return reverse("book-practitioner", kwargs={"appointment_type": offered.slug})


def patients_book_again_url(booking: Booking) -> str:
    """Where a patient whose booking was cancelled books again, on the public SITE_URL."""
    return f"{settings.SITE_URL.rstrip('/')}{book_again_path(booking)}"


def patients_offer_url(held: Booking) -> str:
    """The link in the e-mail offering a held time to a patient on the waitlist: its page accepts or
    declines. The token is the booking's own manage token, so the link keeps working once accepted."""
    path = reverse("waitlist-offer", kwargs={"reference": held.reference})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={held.manage_token}"


def expired_link_message() -> str:
    """What a patient holding an expired link is told: nothing of the booking, only whom to call."""
    phone = clinic_details().phone
    call = f"Please call the clinic on {phone}." if phone else "Please call the clinic."
    return f"This link has expired. {call}"


def practitioner_feed_url(practitioner: Practitioner, token: str) -> str:
    path = reverse("practitioner-feed", kwargs={"practitioner": practitioner.slug})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={token}"


def resource_feed_url(resource: Resource, token: str) -> str:
    path = reverse("resource-feed", kwargs={"resource": resource.slug})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={token}"
