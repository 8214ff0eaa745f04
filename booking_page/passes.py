"""Where a patient's secret for one booking's (or waitlist entry's, or offer's) pages comes from: an
e-mailed link's `?token=` once, then a short-lived cookie; or the hidden field of a form's POST body.

Request paths end up in logs, proxies' logs and browser history, so the token leaves the URL at its first
use: the link's GET checks it, sets the cookie and answers 303 to the same page without it. The cookie is
HttpOnly, SameSite=Lax, Secure on an HTTPS site, scoped to that one booking's pages and signed with a
timestamp, so it opens them for an hour and nothing else.

Inside another site's frame, where browsers may drop the cookie, the pages still work: every form that
acts carries the token in its POST body, never its URL. The body is also the only place a change (a cancel,
a move, leaving the waitlist, answering an offer) may take it from: a cookie alone never authorises one, so
another site cannot forge a change with the patient's cookie (the reason CSRF tokens exist).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

FIELD = "token"
COOKIE_SECONDS = 60 * 60
SEE_OTHER = 303

# The page (URL name) whose pages a cookie opens -> the cookie's name.
COOKIE_NAMES = {
    "manage-booking": "manage",
    "manage-course": "course",
    "waitlist-entry": "waitlist",
    "waitlist-offer": "offer",
}


@dataclass(frozen=True)
class Pass:
    """The cookie that opens one booking's, entry's or offer's pages: its name and its path."""

    name: str
    path: str

    @classmethod
    def to(cls, page: str, reference: str) -> Pass:
        return cls(name=COOKIE_NAMES[page], path=reverse(page, args=[reference]))

    @property
    def _salt(self) -> str:
        return f"booking_page.passes:{self.path}"

    def token(self, request) -> str:
        """The token this request carries: a POST's hidden field, else the link's query, else the cookie."""
        if request.method == "POST":
            return request.POST.get(FIELD, "")
        if FIELD in request.GET:
            return request.GET[FIELD]
        return request.get_signed_cookie(self.name, default="", salt=self._salt, max_age=COOKIE_SECONDS)

    @staticmethod
    def from_link(request) -> bool:
        """The token came in the URL (an e-mailed link): it must be swapped for the cookie at once."""
        return request.method == "GET" and FIELD in request.GET

    def exchange(self, request, token: str) -> HttpResponse:
        """The answer to a link's valid token: the same page without it (303), with the cookie."""
        query = request.GET.copy()
        query.pop(FIELD)
        return self.see(request, request.path + (f"?{query.urlencode()}" if query else ""), token)

    def see(self, request, location: str, token: str) -> HttpResponse:
        """303 to one of the pages this pass opens, carrying the cookie that opens it."""
        return self.keep(request, HttpResponseRedirect(location, status=SEE_OTHER), token)

    def keep(self, request, response: HttpResponse, token: str) -> HttpResponse:
        response.set_signed_cookie(
            self.name,
            token,
            salt=self._salt,
            max_age=COOKIE_SECONDS,
            path=self.path,
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,  # DJANGO_HTTPS sets the latter
            httponly=True,
            samesite="Lax",
        )
        return response
