"""Admin for what staff configure: appointment types, practitioners with their hours and time off, and
clinic closures."""

from __future__ import annotations

from django.contrib import admin

from scheduling.models import AppointmentType, ClinicClosure, OpeningHours, Practitioner, TimeOff


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "duration_minutes", *AppointmentType.RULE_FIELDS, "is_active"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "duration_minutes", "is_active"]}),
        (
            "Booking rules",
            {"fields": list(AppointmentType.RULE_FIELDS)},
        ),
    ]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    ordering = ["weekday", "opens_at"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    ordering = ["-starts_at"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "offers", "is_active"]
    list_filter = ["is_active", "appointment_types"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["appointment_types"]
    inlines = [OpeningHoursInline, TimeOffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("appointment_types")

    @admin.display(description="Offers")
    def offers(self, practitioner):
        return ", ".join(t.name for t in practitioner.appointment_types.all())


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["practitioner"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["name", "first_day", "last_day"]
    date_hierarchy = "first_day"
    search_fields = ["name"]
