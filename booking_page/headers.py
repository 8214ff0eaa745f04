"""What every booking page response carries: a strict Content-Security-Policy whose frame-ancestors is
the clinic's embed allow-list, and no CSRF cookie (see `page`)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from clinic_project.clients import ClientRateThrottle
from scheduling.reference import clinic_details
from scheduling.tokens import LinkExpired

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
)


def content_security_policy(allowed_origins: list[str]) -> str:
    return POLICY.format(ancestors=" ".join(["'self'", *allowed_origins]))


def page(view):
    """A patient-facing page: embeddable by the listed origins only, free of cookie-based CSRF, kept by no
    cache, and answering an expired link with the page that says so.

    CSRF protects a signed-in user's cookies from being used by another site. Here what authorises a change
    is a secret in the form's POST body (a hold id, a manage token) that another site cannot know, just as
    with the public API; the short-lived cookie that an e-mailed link's token is swapped for only opens
    pages to read (booking_page/passes.py). A CSRF cookie would also be refused inside another site's frame
    by browsers that block third-party cookies, breaking every embedded booking.
    """

    @wraps(view)
    def with_headers(request, *args, **kwargs):
        request.clinic = clinic_details()
        if request.method == "POST" and not posted_from_allowed_origin(request):
            from booking_page.views.common import show  # the views build on this module

            message = _("This form was sent from another website. Please book on the clinic's own booking page.")
            response = show(
                request, "problem.html", {"title": _("Not sent from this site"), "message": message}, status=403
            )
        else:
            try:
                response = view(request, *args, **kwargs)
            except LinkExpired:  # from any page a patient's link opens: one answer for all of them
                from booking_page.views.common import link_expired  # here: that module imports this one

                response = link_expired(request)
        response["Content-Security-Policy"] = content_security_policy(request.clinic.allowed_embed_origins)
        response.setdefault("Cache-Control", "no-store")
        return response

    return csrf_exempt(xframe_options_exempt(with_headers))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


def posted_from_allowed_origin(request) -> bool:
    """Whether a POST came from this site or a page the clinic lets embed it.

    With no cookies, another site's form cannot act as the patient, but it can still make a visitor's browser
    take holds or send details unseen. Browsers name the page a form was sent from in `Origin` (and in
    `Referer`, for the few that leave Origin out); "null" is a sandboxed or privacy-hidden page, refused. A
    request with neither header comes from no browser page (curl, a script), which could send anything
    anyway: it is let through, and the throttles apply to it as to the API.
    """
    sent_from = request.headers.get("Origin")
    if sent_from is None and (referer := request.headers.get("Referer")):
        sent_from = origin_of(referer)
    if sent_from is None:
        return True
    allowed = {origin_of(request.build_absolute_uri("/")), origin_of(settings.SITE_URL)}
    return sent_from.rstrip("/").lower() in allowed | set(request.clinic.allowed_embed_origins)


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
