"""Who may see what: staff see every booking; a patient sees their own with its manage token."""

from __future__ import annotations

from rest_framework import permissions

from scheduling.bookings import PATIENT, Actor
from scheduling.models import Booking

# IsAdminUser means is_staff: the clinic's desk, not only superusers.
IsStaff = permissions.IsAdminUser


def is_staff(request) -> bool:
    return bool(request.user and request.user.is_staff)


def manage_token(request) -> str:
    return request.headers.get("X-Manage-Token") or request.query_params.get("token", "")


def may_manage(request, booking: Booking) -> bool:
    """Staff, or the patient holding this booking's manage token."""
    return is_staff(request) or booking.accepts_manage_token(manage_token(request))


def actor(request) -> Actor:
    """Who the history records for this request: the signed-in staff member, or the patient."""
    return Actor.staff(request.user) if is_staff(request) else PATIENT
