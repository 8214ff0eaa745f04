"""Who still owes the second step of signing in: the one rule the admin, its pages and the API all ask."""

from __future__ import annotations

from django.conf import settings
from django_otp import user_has_device

VERIFY = "verify"  # has an authenticator app (or recovery codes): its code, every time
ENROL = "enrol"  # has none, and ADMIN_MFA_REQUIRED: set one up before anything else


def owed_step(user) -> str | None:
    """VERIFY, ENROL, or None when this user's session counts as staff (or the user is not staff at all)."""
    if not (user.is_authenticated and user.is_staff) or user.is_verified():
        return None
    if user_has_device(user):
        return VERIFY
    return ENROL if settings.ADMIN_MFA_REQUIRED else None
