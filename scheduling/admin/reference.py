"""Admin for what staff configure: the clinic's details, appointment types with their reminders,
practitioners with their hours, time off, calendar feeds and staff accounts, and clinic closures.

Who changes what is the model permissions' (a manager's role); others read. A practitioner's calendar feed
link is issued by whoever may change practitioners, or by that practitioner's own account."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from scheduling import clinic_time, reminders, roles, sessions
from scheduling.admin.intake import IntakeQuestionInline
from scheduling.admin.schedule_changes import (
    ClinicClosureForm,
    OpeningHoursFormSet,
    ScheduleChangeAdmin,
    TimeOffForm,
)
from scheduling.links import practitioner_feed_url
from scheduling.models import (
    LOGO_MAX_BYTES,
    AppointmentType,
    Clinic,
    ClinicClosure,
    ClinicHours,
    OpeningHours,
    Practitioner,
    ResourceRequirement,
    TimeOff,
    logo_content_type,
    overlapping_hours,
)


def nobody_offers(types) -> list[AppointmentType]:
    """The active types among `types` that no active practitioner offers: patients cannot book them."""
    offered = AppointmentType.objects.filter(practitioners__is_active=True).values("pk")
    return list(AppointmentType.objects.filter(pk__in=[t.pk for t in types], is_active=True).exclude(pk__in=offered))


def warn_nobody_offers(model_admin: admin.ModelAdmin, request, types) -> None:
    """Staff who leave a type offered by nobody are told so on save, and where to fix it."""
    unoffered = nobody_offers(types)
    if not unoffered:
        return
    model_admin.message_user(
        request,
        format_html(
            "Nobody offers {} yet, so patients cannot book it (the booking page leaves it out). Choose it under "
            '"Appointment types" on a <a href="{}">practitioner\'s page</a>.',
            ", ".join(t.name for t in unoffered),
            reverse("admin:scheduling_practitioner_changelist"),
        ),
        messages.WARNING,
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
            "emergency_number",
            "emergency_notice",
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


class ClinicHoursFormSet(forms.BaseInlineFormSet):
    """The clinic's weekly hours checked together: no two intervals of one weekday overlap."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            (form.cleaned_data.get("weekday"), form.cleaned_data.get("opens_at"), form.cleaned_data.get("closes_at"))
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]
        if overlap := overlapping_hours(kept):
            raise ValidationError(overlap, code="hours_overlap")


class ClinicHoursInline(admin.TabularInline):
    """What patients are told of when the clinic is open; booking follows each practitioner's own hours."""

    model = ClinicHours
    formset = ClinicHoursFormSet
    extra = 0
    ordering = ["weekday", "opens_at"]
    verbose_name = "opening hours interval"
    verbose_name_plural = (
        "Opening hours, as patients are told them (consecutive days with the same hours show as one line)"
    )


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    """One record: the list goes straight to it, and it can be neither added twice nor deleted."""

    form = ClinicForm
    inlines = [ClinicHoursInline]
    # Django 6's default, today: a website typed without a scheme is https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "address", "phone", "website"]}),
        ("Emergencies", {"fields": ["emergency_number", "emergency_notice"]}),
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
        fields = [
            "name",
            "slug",
            "duration_minutes",
            "is_active",
            "capacity",
            *AppointmentType.RULE_FIELDS,
            "requires_birth_date",
            "reminder_minutes",
        ]

    def clean_capacity(self):
        """A capacity reaches the type's sessions still to come: not below the seats one already holds."""
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity is not None:
            over = [s for s in sessions.to_come(self.instance, clinic_time.now()) if s.taken > capacity]
            if over:
                listed = "; ".join(f"{clinic_time.for_staff(s.starts_at)} ({s.taken} seats taken)" for s in over)
                raise ValidationError(
                    f"{len(over)} session{'s' if len(over) != 1 else ''} still to come "
                    f"{'hold' if len(over) != 1 else 'holds'} more patients than that: {listed}. "
                    "Cancel or move seats first, or keep a larger capacity.",
                    code="sessions_over_capacity",
                )
        return capacity


class ResourceRequirementInline(admin.TabularInline):
    """What each booking of the type needs besides its practitioner: so many units of a pool. A quantity
    above the pool's active units is refused on its row (ResourceRequirement.clean)."""

    model = ResourceRequirement
    extra = 0
    verbose_name = "room or equipment needed"
    verbose_name_plural = "rooms and equipment needed"


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    form = AppointmentTypeForm
    list_display = ["name", "slug", "duration_minutes", *AppointmentType.RULE_FIELDS, "reminders", "is_active"]
    list_filter = ["is_active"]
    list_editable = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ResourceRequirementInline, IntakeQuestionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "duration_minutes", "is_active"]}),
        ("Group sessions", {"fields": ["capacity"]}),
        (
            "Booking rules",
            {"fields": list(AppointmentType.RULE_FIELDS)},
        ),
        (
            "Standard questions",
            {
                "fields": ["requires_birth_date", "asks_new_patient"],
                "description": "Questions every clinic asks, switched on per type. The type's own questions are below.",
            },
        ),
        ("Reminders", {"fields": ["reminder_minutes"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            try:
                resized = sessions.resize_sessions(obj, obj.capacity, now=clinic_time.now())
            except sessions.SessionsOverCapacity as over:  # a seat taken since the form was checked
                self.message_user(
                    request,
                    f"Sessions still to come keep their capacity: {over} filled up meanwhile.",
                    messages.ERROR,
                )
            else:
                if resized:
                    self.message_user(request, f"{resized} session(s) still to come now have {obj.capacity} seats.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_nobody_offers(self, request, [form.instance])

    @admin.display(description="Reminders")
    def reminders(self, appointment_type: AppointmentType) -> str:
        return ", ".join(reminders.describe(m) for m in appointment_type.reminder_minutes) or "none"


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    ordering = ["weekday", "opens_at"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})


class TimeOffInline(admin.TabularInline):
    """Listed here; added and changed on the time off page, which checks the bookings it strands."""

    model = TimeOff
    extra = 0
    ordering = ["-starts_at"]
    fields = ["starts_at", "ends_at", "reason"]
    readonly_fields = ["starts_at", "ends_at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Practitioner)
class PractitionerAdmin(ScheduleChangeAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "offers", "is_active"]
    list_filter = ["is_active", "appointment_types"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["appointment_types"]
    inlines = [OpeningHoursInline, TimeOffInline]
    readonly_fields = ["feed_token_issued_at"]
    autocomplete_fields = ["user"]
    actions = ["issue_calendar_feed_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("appointment_types")

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, OpeningHoursFormSet):
            formset.save_schedule(request)
        else:
            super().save_formset(request, form, formset, change)

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # The choices of a booking's practitioner: the calendars this staff member may book into.
            found = roles.practitioners_reached(request.user, found)
        return found, may_have_duplicates

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The types this practitioner offered before the save: one may now be offered by nobody.
        warn_nobody_offers(self, request, form.initial.get("appointment_types") or [])

    def has_issue_feed_permission(self, request) -> bool:
        return self.has_change_permission(request) or roles.own_practitioner_id(request.user) is not None

    @admin.display(description="Offers")
    def offers(self, practitioner):
        return ", ".join(t.name for t in practitioner.appointment_types.all())

    @admin.action(description="Issue new calendar feed links (the old links stop working)", permissions=["issue_feed"])
    def issue_calendar_feed_links(self, request, queryset):
        if not self.has_change_permission(request):
            own = queryset.filter(pk=roles.own_practitioner_id(request.user))
            if len(own) < len(queryset):
                self.message_user(request, "Only your own calendar feed: the others are unchanged.", messages.WARNING)
            queryset = own
        # Shown once: only a digest of each token is kept, so a lost link is replaced, not looked up.
        for practitioner in queryset:
            url = practitioner_feed_url(practitioner, practitioner.issue_feed_token())
            self.message_user(request, f"Calendar feed for {practitioner}: {url}", messages.SUCCESS)


@admin.register(TimeOff)
class TimeOffAdmin(ScheduleChangeAdmin, admin.ModelAdmin):
    form = TimeOffForm
    fields = ["practitioner", "starts_at", "ends_at", "reason"]
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["practitioner"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(ScheduleChangeAdmin, admin.ModelAdmin):
    form = ClinicClosureForm
    list_display = ["name", "first_day", "closed_from", "last_day", "closed_until"]
    fields = ["name", ("first_day", "closed_from"), ("last_day", "closed_until")]
    date_hierarchy = "first_day"
    search_fields = ["name"]
