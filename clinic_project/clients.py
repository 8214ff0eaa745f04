"""Who a request comes from: the one answer every throttle, sign-in lockout and log uses.

A forwarding header is only as trustworthy as the proxy that wrote it. With no proxy configured
(`DJANGO_NUM_PROXIES=0`, the default) the peer address is the client and `X-Forwarded-For` is ignored, so
a client cannot pick a new address per request. Behind N proxies each appends the address it saw, so
the N-th entry from the right is the one our outermost proxy saw; anything to its left is the client's own
claim.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


def client_address(request) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if not proxies:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Not through every proxy (or a proxy that forwards nothing): only the peer is known.
        return peer
    claimed = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(claimed))
    except ValueError:
        return peer


class ClientRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counting per `client_address` instead of DRF's own reading of the headers
    (which, with NUM_PROXIES unset, takes the whole `X-Forwarded-For` as the client)."""

    def get_ident(self, request):
        return client_address(request)
