"""The clinic's admin site: its names, and failed sign-ins limited per client address and username in the
cache all workers share."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.cache import cache
from django.http import HttpResponse

from clinic_project.clients import client_address


def _attempts_key(request) -> str:
    username = request.POST.get("username", "").strip().lower()
    who = f"{client_address(request)}|{username}"
    # Hashed, so neither addresses nor usernames end up readable in the cache.
    return "admin-login-failures:" + hashlib.sha256(who.encode()).hexdigest()


def limit_failed_logins(login_view):
    """Wrap the admin login view: after too many failures, answer 429 until the window passes."""

    @wraps(login_view)
    def login(request, *args, **kwargs):
        if request.method != "POST":
            return login_view(request, *args, **kwargs)
        key = _attempts_key(request)
        window = settings.ADMIN_LOGIN_WINDOW_SECONDS
        if cache.get(key, 0) >= settings.ADMIN_LOGIN_ATTEMPTS:
            response = HttpResponse(
                "Too many failed sign-in attempts. Try again later.", status=429, content_type="text/plain"
            )
            response["Retry-After"] = str(window)
            return response
        response = login_view(request, *args, **kwargs)
        if response.status_code == 302:  # signed in
            cache.delete(key)
        else:
            cache.add(key, 0, window)
            cache.incr(key)
        return response

    return login


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic scheduling"
    site_title = "Clinic scheduling"
    index_title = "Front desk"

    def login(self, request, extra_context=None):
        return limit_failed_logins(super().login)(request, extra_context)


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic_project.admin_site.ClinicAdminSite"
