"""Patients' requests for a copy of their data or its erasure, for the staff who handle them (the privacy
officer, managers): the open ones first, each linking to the patient's record, where the export and the erasure
are; closing one says what was done, or why it was declined."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from scheduling import access_log, clinic_time
from scheduling.models import PrivacyRequest
from scheduling.patients import privacy_requests

Status = PrivacyRequest.Status


class StatusFilter(admin.SimpleListFilter):
    """Open requests unless asked otherwise: they are the work to do."""

    title = "status"
    parameter_name = "status"
    EVERY = "all"

    def lookups(self, request, model_admin):
        return [*Status.choices, (self.EVERY, "All")]

    def choices(self, changelist):
        shown = self.value() or Status.OPEN
        for value, label in self.lookup_choices:
            yield {
                "selected": shown == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        shown = self.value() or Status.OPEN
        return queryset if shown == self.EVERY else queryset.filter(status=shown)


class HandlingForm(forms.ModelForm):
    class Meta:
        model = PrivacyRequest
        fields = ["status", "staff_note"]

    def clean(self):
        cleaned = super().clean()
        refused = privacy_requests.closing_refusal(cleaned.get("status", ""), cleaned.get("staff_note", ""))
        if refused is not None:
            raise forms.ValidationError({refused.field: refused.message})
        return cleaned


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    form = HandlingForm
    list_display = ["asked", "kind", "status", "patient_record", "booking_reference", "handled", "handled_by"]
    list_filter = [StatusFilter, "kind"]
    list_select_related = ["patient", "booking", "handled_by"]
    ordering = ["requested_at", "pk"]
    search_fields = ["=patient__reference", "=booking__reference"]
    search_help_text = "A patient's reference (pt_…) or a booking's (bk_…)."
    readonly_fields = ["kind", "patient_record", "booking_reference", "asked", "handled", "handled_by"]

    def get_fields(self, request, obj=None):
        return ["kind", "patient_record", "booking_reference", "asked", "status", "staff_note", "handled", "handled_by"]

    def get_readonly_fields(self, request, obj=None):
        # A closed request is a record of what was done. (Its handling time, not its status: a form with errors
        # has already put the status it was sent on the object.)
        if obj is not None and obj.handled_at is not None:
            return [*self.readonly_fields, "status", "staff_note"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # patients ask, from their booking's page or the API

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:  # the page names these patients
            patients = [asked.patient for asked in listed.result_list]
            access_log.record_patient_reads(
                request, patients, action=access_log.Action.LISTED, channel=access_log.Channel.ADMIN
            )
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            access_log.record_patient_reads(
                request, [obj.patient], action=access_log.Action.VIEWED, channel=access_log.Channel.ADMIN
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        """The form has only checked; closing the request is one conditional write."""
        data = form.cleaned_data
        privacy_requests.handle(obj, status=data["status"], note=data["staff_note"], by=request.user)

    @admin.display(description="Patient", ordering="patient__family_name")
    def patient_record(self, asked: PrivacyRequest) -> str:
        label = f"{asked.patient} ({asked.patient.reference})"
        try:  # the export and the erasure are on the patient's page
            url = reverse("admin:scheduling_patient_change", args=[asked.patient_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="Asked from booking", ordering="booking__reference")
    def booking_reference(self, asked: PrivacyRequest) -> str:
        return asked.booking.reference

    @admin.display(description="Asked", ordering="requested_at")
    def asked(self, asked: PrivacyRequest) -> str:
        return clinic_time.for_staff(asked.requested_at)

    @admin.display(description="Handled", ordering="handled_at")
    def handled(self, asked: PrivacyRequest) -> str:
        return clinic_time.for_staff(asked.handled_at) if asked.handled_at else "—"
