"""The clinic's admin site: its names, and its pages only for staff past both steps of signing in.

Failed sign-ins are counted by django-axes (`accounts/lockout.py`); the second step's pages are
`accounts/mfa/`."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path

from accounts.mfa.policy import owed_step


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic scheduling"
    site_title = "Clinic scheduling"
    index_title = "Front desk"

    def has_permission(self, request):
        # SecondStepRequired sends such a session to its step first; this holds even without it.
        return super().has_permission(request) and owed_step(request.user) is None

    def get_urls(self):
        from accounts.mfa import views  # here, not above: the views import models, and this module loads first

        return [
            path("mfa/verify/", views.verify, name="mfa_verify"),
            path("mfa/set-up/", views.enrol, name="mfa_enrol"),
            path("mfa/recovery-codes/", views.recovery_codes, name="mfa_recovery_codes"),
            *super().get_urls(),
        ]


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic_project.admin_site.ClinicAdminSite"
