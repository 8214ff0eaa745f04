"""Failed staff sign-ins: django-axes, locking a username out from one client address at a time, and an
address that tries many usernames out whole.

Counting per username alone would let anyone lock the real user out by typing wrong passwords from
anywhere (the defect this replaces did so behind a proxy); counting per username and address alone would
let one address try a few passwords on every username. So two counts, both over the window before now:
failures of this username from this address (`ADMIN_LOGIN_ATTEMPTS`), and failures of any username from
this address (`ADMIN_LOGIN_ADDRESS_ATTEMPTS`, higher, as a clinic's staff often share one address).
The address is `client_address` (`AXES_CLIENT_IP_CALLABLE`), so a forged `X-Forwarded-For` buys nothing.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Max, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone


def attempts_per_username(request, credentials) -> int:
    """`AXES_FAILURE_LIMIT`: failures of one username from one address before it is locked out there."""
    return settings.ADMIN_LOGIN_ATTEMPTS


def window(request) -> timedelta:
    """`AXES_COOLOFF_TIME`: how far back failures count, so how long a lockout lasts after the last one."""
    return timedelta(seconds=settings.ADMIN_LOGIN_WINDOW_SECONDS)


def _recent_from_address(request):
    return AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )


def _recent_of_username_from_address(request, credentials):
    return _recent_from_address(request).filter(username=get_client_username(request, credentials))


def _address_is_locked(request) -> bool:
    failures = _recent_from_address(request).aggregate(total=Sum("failures_since_start"))["total"] or 0
    return failures >= settings.ADMIN_LOGIN_ADDRESS_ATTEMPTS


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (username with address), plus the limit on the address as a whole."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or _address_is_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and _address_is_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def seconds_until_unlocked(request, credentials) -> int:
    """When the lockout of this username or this address, whichever ends later, ends."""
    cool_off = window(request)
    ends = []
    for attempts, limit in (
        (_recent_of_username_from_address(request, credentials), settings.ADMIN_LOGIN_ATTEMPTS),
        (_recent_from_address(request), settings.ADMIN_LOGIN_ADDRESS_ATTEMPTS),
    ):
        counted = attempts.aggregate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        if (counted["total"] or 0) >= limit:
            ends.append(counted["last"] + cool_off)
    if not ends:
        return int(cool_off.total_seconds())
    return max(1, math.ceil((max(ends) - timezone.now()).total_seconds()))


def lockout_page(request, response=None, credentials=None) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: the sign-in page's answer while locked out, the same whether the username exists."""
    seconds = seconds_until_unlocked(request, credentials)
    # Rendered here: axes' middleware puts it in place of the view's answer, past where templates render.
    page = render(
        request,
        "accounts/locked_out.html",
        {**admin.site.each_context(request), "title": "Too many failed sign-ins", "minutes": math.ceil(seconds / 60)},
        status=429,
    )
    page["Retry-After"] = str(seconds)
    return page
