"""Links patients are given: where they view, cancel or move their own booking."""

from __future__ import annotations

from django.urls import reverse

from scheduling.models import Booking


def manage_url(booking: Booking, token: str, request=None) -> str:
    """The patient's link to their booking, absolute when a request says which host they used."""
    path = f"{reverse('booking-detail', kwargs={'booking_id': booking.reference})}?token={token}"
    return request.build_absolute_uri(path) if request else path
