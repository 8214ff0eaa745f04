"""A staff session that still owes the second step reaches that step and nothing else: the admin's pages
send it there, and everywhere else (the staff API's session authentication, feeds) it is nobody."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts.mfa.policy import ENROL, owed_step

STEP_URLS = {"verify": "admin:mfa_verify", ENROL: "admin:mfa_enrol"}


class SecondStepRequired:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = owed_step(request.user)
        if step is None:
            return self.get_response(request)
        step_url = reverse(STEP_URLS[step])
        if not request.path.startswith(reverse("admin:index")):
            request.user = AnonymousUser()
        elif request.path not in (step_url, reverse("admin:logout")):
            return redirect_to_login(request.get_full_path(), step_url)
        return self.get_response(request)
