"""Admin for what staff configure: the clinic's details, appointment types with their reminders,
practitioners with their hours, time off and calendar feeds, and clinic closures."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from scheduling import reminders
from scheduling.links import practitioner_feed_url
from scheduling.models import (
    LOGO_MAX_BYTES,
    AppointmentType,
    Clinic,
    ClinicClosure,
    OpeningHours,
    Practitioner,
    TimeOff,
    logo_content_type,
)


class ClinicForm(forms.ModelForm):
    """The logo is uploaded as a file and kept in the database (see Clinic.logo)."""

    logo_file = forms.FileField(
        label="Logo",
        required=False,
        help_text=f"PNG, JPEG or WebP, at most {LOGO_MAX_BYTES // 1024} KB. Shown at the top of the booking page.",
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "website",
            "sender_email",
            "time_zone_label",
            "accent_colour",
            "embed_origins",
        ]

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(f"The logo is {upload.size // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB.")
        data = upload.read()
        content_type = logo_content_type(data)
        if content_type is None:
            raise ValidationError("The logo must be a PNG, JPEG or WebP image.")
        return data, content_type

    def save(self, commit=True):
        clinic = super().save(commit=False)
        if self.cleaned_data.get("logo_file"):
            clinic.logo, clinic.logo_type = self.cleaned_data["logo_file"]
        elif self.cleaned_data.get("remove_logo"):
            clinic.logo, clinic.logo_type = b"", ""
        if commit:
            clinic.save()
        return clinic


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    """One record: the list goes straight to it, and it can be neither added twice nor deleted."""

    form = ClinicForm
    # Django 6's default, today: a website typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "address", "phone", "website"]}),
        ("E-mail and time", {"fields": ["sender_email", "time_zone_label"]}),
        ("Booking page", {"fields": ["logo_file", "current_logo", "remove_logo", "accent_colour", "embed_origins"]}),
    ]
    readonly_fields = ["current_logo"]

    @admin.display(description="Current logo")
    def current_logo(self, clinic):
        if not clinic.logo:
            return "None"
        return format_html('<img src="{}" alt="{}" style="max-height: 60px">', reverse("clinic-logo"), clinic.name)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # as the list itself would: the redirect is only for those who may look
        clinic = Clinic.load()
        return HttpResponseRedirect(reverse("admin:scheduling_clinic_change", args=[clinic.pk]))


class RemindersField(forms.CharField):
    """Reminder offsets typed as '24h, 2h' and stored as minutes."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(reminders.describe(minutes) for minutes in value)
        return value

    def to_python(self, value):
        try:
            return reminders.parse(super().to_python(value) or "")
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class AppointmentTypeForm(forms.ModelForm):
    reminder_minutes = RemindersField(
        label="Reminders",
        required=False,
        help_text="When patients are e-mailed a reminder, before the start: for example '24h' or '2d, 2h'. "
        "Empty for none. Counted in real time, so across a clock change a reminder keeps its distance.",
    )

    class Meta:
        model = AppointmentType
        fields = ["name", "slug", "duration_minutes", "is_active", *AppointmentType.RULE_FIELDS, "reminder_minutes"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    form = AppointmentTypeForm
    list_display = ["name", "slug", "duration_minutes", *AppointmentType.RULE_FIELDS, "reminders", "is_active"]
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
        ("Reminders", {"fields": ["reminder_minutes"]}),
    ]

    @admin.display(description="Reminders")
    def reminders(self, appointment_type: AppointmentType) -> str:
        return ", ".join(reminders.describe(m) for m in appointment_type.reminder_minutes) or "none"


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
    readonly_fields = ["feed_token_issued_at"]
    actions = ["issue_calendar_feed_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("appointment_types")

    @admin.display(description="Offers")
    def offers(self, practitioner):
        return ", ".join(t.name for t in practitioner.appointment_types.all())

    @admin.action(description="Issue new calendar feed links (the old links stop working)")
    def issue_calendar_feed_links(self, request, queryset):
        # Shown once: only a digest of each token is kept, so a lost link is replaced, not looked up.
        for practitioner in queryset:
            url = practitioner_feed_url(practitioner, practitioner.issue_feed_token())
            self.message_user(request, f"Calendar feed for {practitioner}: {url}", messages.SUCCESS)


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
