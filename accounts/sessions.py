"""Staff sessions end after `STAFF_SESSION_IDLE_MINUTES` without a request, and `STAFF_SESSION_MAX_HOURS`
after signing in whatever the activity.

Both instants live in the session itself. The last request's is refreshed at most once a minute, not on
every request (`SESSION_SAVE_EVERY_REQUEST` would write the session row on each one, and on SQLite every
write takes the one write lock the bookings need). The session row itself lasts no longer than the absolute
limit (`SESSION_COOKIE_AGE`), so it is gone from the database and the browser by then in any case.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.urls import reverse

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
REFRESH_SECONDS = 60


def ended_because(session, now: float) -> str | None:
    """Why this signed-in session is over, or None while it lasts."""
    signed_in_at = session[SIGNED_IN_AT]
    if now - signed_in_at >= settings.STAFF_SESSION_MAX_HOURS * 3600:
        return f"You were signed out {settings.STAFF_SESSION_MAX_HOURS:g} hours after signing in. Please sign in again."
    if now - session.get(LAST_SEEN_AT, signed_in_at) >= settings.STAFF_SESSION_IDLE_MINUTES * 60:
        return (
            f"You were signed out after {settings.STAFF_SESSION_IDLE_MINUTES} minutes without activity. "
            "Please sign in again."
        )
    return None


class StaffSessionTimeouts:
    """Sign out a session past either limit before anything reads `request.user`, so neither the admin nor
    the API's session authentication counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and SIGNED_IN_AT in request.session:
            now = time.time()
            reason = ended_because(request.session, now)
            if reason:
                logout(request)
                if request.path.startswith(reverse("admin:index")):  # said on the sign-in page it leads to
                    messages.info(request, reason)
            elif now - request.session[LAST_SEEN_AT] >= REFRESH_SECONDS:
                request.session[LAST_SEEN_AT] = now
        response = self.get_response(request)
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            # Just signed in (or a session from before these limits): the clocks start now.
            request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = time.time()
        return response
