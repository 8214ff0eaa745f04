"""The clinic's back office: types, practitioners and their hours, closures, and the bookings desk."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone

from scheduling import booking as bookings
from scheduling.admin_login import limit_failed_logins
from scheduling.availability import day_span
from scheduling.day_schedule import DayScheduleView
from scheduling.models import AppointmentType, Booking, ClinicClosure, OpeningHours, Practitioner, TimeOff

admin.site.site_header = "Clinic scheduling"
admin.site.site_title = "Clinic scheduling"
admin.site.index_title = "Front desk"
admin.site.login = limit_failed_logins(admin.site.login)


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
            {
                "fields": [
                    "slot_interval_minutes",
                    "buffer_before_minutes",
                    "buffer_after_minutes",
                    "min_notice_minutes",
                    "horizon_days",
                ]
            },
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


class WhenFilter(admin.SimpleListFilter):
    """The front desk looks ahead: today, tomorrow, the coming week, or everything upcoming or past."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "Next 7 days"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        tz = timezone.get_current_timezone()
        days = {"today": (0, 0), "tomorrow": (1, 1), "week": (0, 6)}
        if self.value() in days:
            first, last = (today + timedelta(days=n) for n in days[self.value()])
            span = day_span(first, last, tz)
            return queryset.filter(starts_at__gte=span.start, starts_at__lt=span.end)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=timezone.now())
        if self.value() == "past":
            return queryset.filter(starts_at__lt=timezone.now())
        return queryset


class BookingAdminForm(forms.ModelForm):
    """Staff book and move appointments through the same rules as patients; conflicts are form errors."""

    date = forms.DateField(widget=AdminDateWidget, help_text="Clinic local date.")
    start_time = forms.TimeField(widget=AdminTimeWidget, input_formats=["%H:%M", "%H:%M:%S"], help_text="HH:MM")

    class Meta:
        model = Booking
        fields = [
            "appointment_type",
            "practitioner",
            "date",
            "start_time",
            "patient_name",
            "patient_email",
            "patient_phone",
            "reason_for_visit",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            local_start = timezone.localtime(self.instance.starts_at)
            self.initial.setdefault("date", local_start.date())
            self.initial.setdefault("start_time", local_start.time())
        elif "practitioner" in self.fields:
            self.fields["practitioner"].required = False
            self.fields["practitioner"].help_text = "Leave empty to give it to any free practitioner."

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk is None:
                self.instance, _ = bookings.book(
                    appointment_type=cleaned["appointment_type"],
                    day=cleaned["date"],
                    start_time=cleaned["start_time"],
                    practitioner=cleaned.get("practitioner"),
                    patient=bookings.Patient.named_in(cleaned),
                )
                # The form saves what it cleaned: record who the booking went to.
                cleaned["practitioner"] = self.instance.practitioner
            elif self._moved(cleaned):
                self.instance = bookings.reschedule(
                    self.instance,
                    day=cleaned["date"],
                    start_time=cleaned["start_time"],
                    practitioner=cleaned.get("practitioner"),
                )
        except bookings.BookingError as error:
            field = error.field if error.field in self.fields else None
            raise ValidationError({field: error.message} if field else error.message) from None
        return cleaned

    def _moved(self, cleaned) -> bool:
        local_start = timezone.localtime(self.instance.starts_at)
        return (
            cleaned["date"] != local_start.date()
            or cleaned["start_time"].replace(second=0) != local_start.time()
            or cleaned.get("practitioner", self.instance.practitioner) != self.instance.practitioner
        )


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    form = BookingAdminForm
    list_display = ["reference", "local_start", "patient_name", "appointment_type", "practitioner", "status"]
    list_filter = [WhenFilter, "status", "appointment_type", "practitioner"]
    list_select_related = ["appointment_type", "practitioner"]
    search_fields = ["patient_name", "=reference", "patient_email", "patient_phone"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    autocomplete_fields = ["practitioner"]
    actions = ["cancel_selected"]
    readonly_fields = [
        "reference",
        "status",
        "local_start",
        "local_end",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
    ]

    def get_fieldsets(self, request, obj=None):
        when = ["appointment_type", "practitioner", "date", "start_time"]
        patient = ["patient_name", "patient_email", "patient_phone", "reason_for_visit"]
        if obj is None:
            return [("When", {"fields": when}), ("Patient", {"fields": patient})]
        record = ["reference", "status", "local_start", "local_end", "created_at", "updated_at"]
        cancellation = ["cancelled_at", "cancelled_by", "cancellation_reason"]
        return [
            (None, {"fields": record}),
            ("When", {"fields": when}),
            ("Patient", {"fields": patient}),
            ("Cancellation", {"fields": cancellation, "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A type sets the booking's length; changing it is a new booking, not an edit.
        if obj is not None and not obj.is_confirmed:
            return [*self.readonly_fields, "appointment_type", "practitioner", "date", "start_time"]
        return [*self.readonly_fields, "appointment_type"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Bookings are medical records: staff cancel them, which frees the time and keeps the history.
        return False

    def get_urls(self):
        day_view = self.admin_site.admin_view(DayScheduleView.as_view(admin_site=self.admin_site))
        return [path("day/", day_view, name="scheduling_booking_day"), *super().get_urls()]

    @admin.display(description="Starts", ordering="starts_at")
    def local_start(self, booking):
        return timezone.localtime(booking.starts_at).strftime("%a %Y-%m-%d %H:%M")

    @admin.display(description="Ends", ordering="ends_at")
    def local_end(self, booking):
        return timezone.localtime(booking.ends_at).strftime("%a %Y-%m-%d %H:%M")

    @admin.action(description="Cancel selected bookings (frees their time)", permissions=["change"])
    def cancel_selected(self, request, queryset: QuerySet[Booking]):
        cancelled = 0
        for booking in queryset.filter(status=Booking.Status.CONFIRMED):
            bookings.cancel(booking, by=Booking.CancelledBy.STAFF, reason=f"Cancelled by {request.user}")
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} booking(s).", messages.SUCCESS)
