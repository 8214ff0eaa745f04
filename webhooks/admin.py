"""Staff register endpoints, see why one was disabled, every delivery with each attempt (status,
duration, error), and replay a delivery. Deliveries carry no patient details (webhooks/receivers.py); staff
who do not see every practitioner's bookings still see only those of their own practitioner's."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join

from scheduling import clinic_time
from scheduling.admin.reach import PractitionersOwnAdmin
from webhooks import delivery, network
from webhooks.models import Delivery, Endpoint, EventType


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Endpoint
        fields = ["url", "events", "description", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            network.check_url(url)
        except network.Refused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "event_list", "is_active", "disabled_reason", "failing_since"]
    list_filter = ["is_active"]
    readonly_fields = ["disabled_reason", "disabled_at", "failing_since", "previous_secret_expires_at", "created_at"]
    actions = ["rotate_secrets", "enable"]

    @admin.display(description="Events")
    def event_list(self, endpoint: Endpoint) -> str:
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        adding = obj.pk is None
        if change and "is_active" in form.changed_data and obj.is_active:
            obj.disabled_reason, obj.disabled_at, obj.failing_since = "", None, None
        super().save_model(request, obj, form, change)
        if adding:
            # The one time staff see the secret here: it goes to the receiver's configuration.
            self.message_user(request, f"Signing secret for {obj.url}: {obj.secret}", messages.WARNING)

    @admin.action(description="Issue new signing secrets (the old ones keep signing for 24 hours)")
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset:
            self.message_user(
                request, f"New signing secret for {endpoint.url}: {endpoint.rotate_secret()}", messages.WARNING
            )

    @admin.action(description="Enable again")
    def enable(self, request, queryset):
        count = queryset.update(is_active=True, disabled_reason="", disabled_at=None, failing_since=None)
        self.message_user(request, f"{count} endpoint(s) receive deliveries again.")


ATTEMPT_COLUMNS = ("When", "Answer", "Duration", "Error")


@admin.register(Delivery)
class DeliveryAdmin(PractitionersOwnAdmin, admin.ModelAdmin):
    reach_through = "booking__practitioner"
    list_display = ["event_type", "booking", "revision", "endpoint", "status", "attempts", "due", "last_error"]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["booking", "endpoint"]
    search_fields = ["=booking__reference", "=message_id"]
    ordering = ["-pk"]
    actions = ["replay_selected"]
    change_form_template = "admin/webhooks/delivery/change_form.html"
    fields = [
        "event_type",
        "booking",
        "revision",
        "endpoint",
        "message_id",
        "status",
        "attempts",
        "due",
        "sent_at",
        "last_error",
        "body",
        "attempt_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # nothing here is edited; the worker owns status and attempts

    @admin.display(description="Due", ordering="next_attempt_at")
    def due(self, item: Delivery) -> str:
        return clinic_time.for_staff(item.next_attempt_at, seconds=True)

    @admin.display(description="Attempts made")
    def attempt_table(self, item: Delivery) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td></tr>",
            (
                (
                    clinic_time.for_staff(a.attempted_at, seconds=True),
                    a.status_code or "no answer",
                    a.duration_ms,
                    a.error,
                )
                for a in item.attempt_log.all()
            ),
        )
        if not rows:
            return "None yet."
        head = format_html_join("", "<th>{}</th>", ((c,) for c in ATTEMPT_COLUMNS))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)

    def response_change(self, request, obj):
        if "_replay" in request.POST:
            return self._replay(request, [obj]) or HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description="Replay selected deliveries")
    def replay_selected(self, request, queryset):
        self._replay(request, list(queryset.select_related("endpoint")))

    def _replay(self, request, deliveries):
        for item in deliveries:
            if not item.endpoint.is_active:
                self.message_user(request, f"{item.endpoint.url} is disabled; enable it first.", messages.ERROR)
                continue
            delivery.replay(item)
            self.message_user(request, f"{item.event_type} r{item.revision} will be delivered again now.")
