"""What every booking page response carries: a strict Content-Security-Policy whose frame-ancestors is
the clinic's embed allow-list, and no CSRF cookie (see `page`)."""

from __future__ import annotations

from functools import wraps

from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from clinic_project.clients import ClientRateThrottle
from scheduling.reference import clinic_details

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
)


def content_security_policy(allowed_origins: list[str]) -> str:
    return POLICY.format(ancestors=" ".join(["'self'", *allowed_origins]))


def page(view):
    """A patient-facing page: embeddable by the listed origins only, and free of cookie-based CSRF.

    CSRF protects a signed-in user's cookies from being used by another site. Here what authorises a change
    is a secret in the form's POST body (a hold id, a manage token) that another site cannot know, just as
    with the public API; the short-lived cookie that an e-mailed link's token is swapped for only opens
    pages to read (booking_page/passes.py). A CSRF cookie would also be refused inside another site's frame
    by browsers that block third-party cookies, breaking every embedded booking.
    """

    @wraps(view)
    def with_headers(request, *args, **kwargs):
        request.clinic = clinic_details()
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = content_security_policy(request.clinic.allowed_embed_origins)
        response.setdefault("Cache-Control", "no-store")
        return response

    return csrf_exempt(xframe_options_exempt(with_headers))


class _Scope:
    def __init__(self, scope: str):
        self.throttle_scope = scope


def wait_seconds(request, scope: str) -> int | None:
    """None if the client may go on; otherwise how long to wait. The same per-client budgets as the API
    (`hold`, `manage`): taking holds on the page or through the API spends one allowance."""
    throttle = ClientRateThrottle()
    if throttle.allow_request(request, _Scope(scope)):
        return None
    return max(1, int(throttle.wait() or 1))
