"""Who is asking: staff, or a patient whose manage token opens their own booking
(`Booking.objects.opened_by`)."""

from __future__ import annotations

from rest_framework import permissions

from scheduling.bookings import PATIENT, Actor

# IsAdminUser means is_staff: the clinic's desk, not only superusers.
IsStaff = permissions.IsAdminUser


def is_staff(request) -> bool:
    return bool(request.user and request.user.is_staff)


def manage_token(request) -> str:
    return request.headers.get("X-Manage-Token") or request.query_params.get("token", "")


def actor(request) -> Actor:
    """Who the history records for this request: the signed-in staff member, or the patient."""
    return Actor.staff(request.user) if is_staff(request) else PATIENT
