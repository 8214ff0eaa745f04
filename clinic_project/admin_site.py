"""The clinic's admin site: its names, and its pages only for staff past both steps of signing in.

Failed sign-ins are counted by django-axes (`accounts/lockout.py`); the second step's pages are
`accounts/mfa/`."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch, path, reverse

from accounts.mfa.policy import owed_step

# The home page as a receptionist reads it: today's work first, then bookings and patients, the schedule's
# set-up, the integrations, and the system last. A model not named here is under System, so every
# registered model stays reachable.
SECTIONS = [
    (
        "bookings",
        "Bookings and patients",
        [
            "scheduling.booking",
            "scheduling.bookingseries",
            "scheduling.patient",
            "scheduling.matchcandidate",
            "waitlist.entry",
            "waitlist.offer",
        ],
    ),
    (
        "setup",
        "Schedule set-up",
        [
            "scheduling.practitioner",
            "scheduling.appointmenttype",
            "scheduling.timeoff",
            "scheduling.clinicclosure",
            "scheduling.resource",
            "scheduling.resourcepool",
            "scheduling.groupsession",
            "scheduling.clinic",
        ],
    ),
    (
        "integrations",
        "Integrations",
        ["webhooks.endpoint", "webhooks.delivery", "accounts.stafftoken", "notifications.message"],
    ),
]
SYSTEM = ("system", "System", [])  # whatever no section above names
# The pages' sections (today's work, a manager's figures) among the models' ones.
ORDER = ["today", "bookings", "reports", "setup", "integrations", "system"]


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic scheduling"
    site_title = "Clinic scheduling"
    index_title = "Front desk"
    index_template = "admin/clinic_index.html"

    def has_permission(self, request):
        # SecondStepRequired sends such a session to its step first; this holds even without it.
        return super().has_permission(request) and owed_step(request.user) is None

    def index(self, request, extra_context=None):
        return super().index(request, {"sections": self.sections(request), **(extra_context or {})})

    def sections(self, request) -> list[dict]:
        """The home page's sections: Today's pages, then the registered models grouped by `SECTIONS`."""
        placed = {name: key for key, _, names in SECTIONS for name in names}
        grouped = {key: [] for key, _, _ in [*SECTIONS, SYSTEM]}
        for app in self.get_app_list(request):
            for model in app["models"]:
                name = f"{app['app_label']}.{model['object_name'].lower()}"
                grouped[placed.get(name, SYSTEM[0])].append({**model, "app_label": app["app_label"]})
        for key, _, names in SECTIONS:
            grouped[key].sort(key=lambda m, names=names: names.index(f"{m['app_label']}.{m['object_name'].lower()}"))
        titles = {key: title for key, title, _ in [*SECTIONS, SYSTEM]}
        sections = {key: {"key": key, "title": titles[key], "models": models} for key, models in grouped.items()}
        sections["today"] = {"key": "today", "title": "Today", "links": self.today_links(request)}
        sections["reports"] = {"key": "reports", "title": "Reports", "links": self.report_links(request)}
        shown = [sections[key] for key in ORDER]
        return [section for section in shown if section.get("links") or section.get("models")]

    def today_links(self, request) -> list[tuple[str, str]]:
        user = request.user
        if not (user.has_perm("scheduling.view_booking") or user.has_perm("scheduling.change_booking")):
            return []
        try:
            return [
                ("Day schedule", reverse("admin:scheduling_booking_day", current_app=self.name)),
                ("Week calendar", reverse("admin:scheduling_booking_calendar", current_app=self.name)),
                ("Check in (today's schedule)", reverse("admin:scheduling_booking_day", current_app=self.name)),
                ("Print today's list", reverse("admin:scheduling_booking_print_day", current_app=self.name)),
            ]
        except NoReverseMatch:  # a site without the bookings admin
            return []

    def report_links(self, request) -> list[tuple[str, str]]:
        if not request.user.has_perm("scheduling.view_reports"):
            return []
        url = reverse("admin:scheduling_reports", current_app=self.name)
        return [("Utilisation, no-shows, cancellations, lead time, waitlist fill rate", url)]

    def get_urls(self):
        from accounts.mfa import views  # here, not above: the views import models, and this module loads first
        from scheduling.admin.reports import ReportView

        return [
            path("mfa/verify/", views.verify, name="mfa_verify"),
            path("mfa/set-up/", views.enrol, name="mfa_enrol"),
            path("mfa/recovery-codes/", views.recovery_codes, name="mfa_recovery_codes"),
            path(
                "scheduling/reports/", self.admin_view(ReportView.as_view(admin_site=self)), name="scheduling_reports"
            ),
            *super().get_urls(),
        ]


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic_project.admin_site.ClinicAdminSite"
