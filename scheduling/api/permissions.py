"""Who is asking: staff holding the model permission an action needs, or a patient whose manage token
opens their own booking (`Booking.objects.opened_by`).

Staff rights come from Django's model permissions, the same the admin checks: `view_booking` to read
bookings, `change_booking` to act on them. A staff login without them is no more than a patient: it opens
a booking only with that booking's manage token, and acts under the patients' rules.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions

from scheduling.bookings import PATIENT, Actor

VIEW_BOOKINGS = "scheduling.view_booking"
CHANGE_BOOKINGS = "scheduling.change_booking"


def staff_may(request, permission: str) -> bool:
    """Whether the caller is an active staff member holding `permission` ("app_label.codename").

    As in the admin, whoever may change a model may also view it.
    """
    user = request.user
    if not (user and user.is_active and user.is_staff):
        return False
    app_label, codename = permission.split(".")
    if codename.startswith("view_") and user.has_perm(f"{app_label}.change_{codename.removeprefix('view_')}"):
        return True
    return user.has_perm(permission)


class StaffMay(permissions.BasePermission):
    """An active staff member holding one model permission; anyone else gets 401 or 403."""

    def __init__(self, permission: str):
        self.permission = permission
        self.message = f"This needs a staff login with the permission {permission}."

    def has_permission(self, request, view) -> bool:
        return staff_may(request, self.permission)


def manage_token(request) -> str:
    return request.headers.get("X-Manage-Token") or request.query_params.get("token", "")


def actor(request) -> Actor:
    """Who the history records for this request: a staff member who may change bookings, or the patient."""
    return Actor.staff(request.user) if staff_may(request, CHANGE_BOOKINGS) else PATIENT


class StaffOnlyField(exceptions.PermissionDenied):
    """A request field only staff may send (a pinned room, say): a patient's request naming it is refused
    whole, 403 naming the field, rather than booked as if the field were not there."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
