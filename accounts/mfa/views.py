"""The admin's second step, served by the admin site (`ClinicAdminSite.get_urls`): the code at sign-in,
setting up an authenticator app, and recovery codes."""

from __future__ import annotations

from functools import wraps

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.lockout import lockout_page
from accounts.mfa import devices, recovery
from accounts.mfa.policy import ENROL, VERIFY, owed_step


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def staff_signed_in(view):
    """Only a signed-in staff member, past their password, reaches these pages."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return never_cache(guarded)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _page(request, template, title, **context):
    site = admin.site.each_context(request)
    if owed_step(request.user) is not None:  # nothing of the admin to show before the step is done
        site.update(available_apps=[], is_nav_sidebar_enabled=False)
    context = {**site, "title": title, "next": _next(request), **context}
    return TemplateResponse(request, f"accounts/{template}", context)


@staff_signed_in
def verify(request):
    """The code from the app, or a recovery code, after the password."""
    user = request.user
    if owed_step(user) != VERIFY:
        return redirect(_next(request))
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        return lockout_page(request, credentials=credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = devices.matching_device(user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {recovery.codes_left(user)} left. "
                    "Make new ones under “Two-step sign-in” if you are running low.",
                )
            return redirect(_next(request))
        if devices.is_slowed_down(user):
            form.add_error("code", "Too many wrong codes: wait a little, then enter the newest code.")
        else:
            form.add_error("code", "That code is not right. Enter the newest code your app shows.")
        # A wrong code is a failed sign-in like a wrong password: in the history, and towards the lockout.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_page(request, credentials=credentials)
    return _page(request, "mfa_verify.html", "Two-step sign-in", form=form)


@staff_signed_in
def enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key), then prove it with a code."""
    user = request.user
    if owed_step(user) == VERIFY:
        # Whoever has an app proves it before changing it: a password alone never replaces the app.
        return redirect_to_login(request.get_full_path(), reverse("admin:mfa_verify"))
    device = devices.pending_app(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if devices.confirm_app(device, form.cleaned_data["code"]):
            device.refresh_from_db()
            django_otp.login(request, device)
            codes = recovery.new_codes(user)
            return _page(request, "recovery_codes.html", "Your recovery codes", codes=codes)
        form.add_error("code", "That code is not right. Check the phone's clock, then enter the app's newest code.")
    return _page(
        request,
        "mfa_enrol.html",
        "Set up two-step sign-in",
        form=form,
        qr_code=devices.qr_code_svg(device),
        secret=devices.secret(device),
        required=owed_step(user) == ENROL,
    )


@staff_signed_in
def recovery_codes(request):
    """How many recovery codes are left, and a new set (replacing the old one) on request."""
    user = request.user
    if not user.is_verified():
        return redirect(reverse("admin:mfa_enrol"))
    if request.method == "POST":
        return _page(request, "recovery_codes.html", "Your recovery codes", codes=recovery.new_codes(user))
    return _page(request, "recovery_codes_left.html", "Two-step sign-in", codes_left=recovery.codes_left(user))
