"""Staff see every patient message (sent, pending, failed with the error) on its booking and in a list of
their own, and can send one again. A message names its patient's address: each one shown is recorded as a
read of its booking's patient data. Staff who do not see every practitioner's bookings see the messages of
their own practitioner's only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from notifications import delivery
from notifications.models import Message
from scheduling import access_log, clinic_time, reminders
from scheduling.admin.reach import PractitionersOwnAdmin
from scheduling.models import Booking


class MessageColumns:
    """What the list and the booking's inline both show of a message."""

    @admin.display(description="Due", ordering="next_attempt_at")
    def due(self, message: Message) -> str:
        return clinic_time.for_staff(message.next_attempt_at)

    @admin.display(description="Sent", ordering="sent_at")
    def sent(self, message: Message) -> str:
        return clinic_time.for_staff(message.sent_at)

    @admin.display(description="Kind", ordering="kind")
    def what(self, message: Message) -> str:
        if message.kind == Message.Kind.REMINDER:
            return f"Reminder, {reminders.describe(message.remind_minutes_before)} before"
        return message.get_kind_display().capitalize()


@admin.register(Message)
class MessageAdmin(PractitionersOwnAdmin, MessageColumns, admin.ModelAdmin):
    reach_through = "booking__practitioner"
    list_display = ["what", "booking", "recipient", "status", "attempts", "due", "sent", "last_error"]
    list_filter = ["status", "kind"]
    list_select_related = ["booking"]
    search_fields = ["=booking__reference", "recipient"]
    date_hierarchy = "next_attempt_at"
    ordering = ["-next_attempt_at"]
    actions = ["resend_selected"]
    change_form_template = "admin/notifications/message/change_form.html"
    fields = ["what", "booking", "event", "recipient", "status", "attempts", "due", "sent", "last_error", "task_id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # messages come from booking changes

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what a patient was told

    def save_model(self, request, obj, form, change):
        pass  # nothing here is edited; the worker owns status and attempts

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:
            shown = {message.booking_id: message.booking for message in listed.result_list}
            access_log.record_staff_reads(
                request, shown.values(), action=access_log.Action.LISTED, channel=access_log.Channel.ADMIN
            )
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            access_log.record_staff_reads(
                request, [obj.booking], action=access_log.Action.VIEWED, channel=access_log.Channel.ADMIN
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        shown = getattr(response, "context_data", {}).get("object")
        if shown is not None:  # its title is the message, which names the patient's address
            access_log.record_staff_reads(
                request, [shown.booking], action=access_log.Action.HISTORY, channel=access_log.Channel.ADMIN
            )
        return response

    def response_change(self, request, obj):
        if "_resend" in request.POST:
            delivery.resend(obj)
            self.message_user(request, f"{self.what(obj)} to {obj.recipient} will go out again now.")
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description="Send selected messages again")
    def resend_selected(self, request, queryset):
        for message in queryset:
            delivery.resend(message)
        self.message_user(request, f"{len(queryset)} message(s) will go out again now.", messages.SUCCESS)


MESSAGE_COLUMNS = ("Message", "To", "Status", "Attempts", "Due", "Sent", "Last error", "")


def messages_table(booking: Booking) -> str:
    """The booking's messages as a read-only table, each linking to its page (where it can be resent)."""
    columns = MessageColumns()
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        '<td><a href="{}">Details and resend</a></td></tr>',
        (
            (
                columns.what(message),
                message.recipient,
                message.get_status_display(),
                message.attempts,
                columns.due(message),
                columns.sent(message),
                message.last_error or "",
                reverse("admin:notifications_message_change", args=[message.pk]),
            )
            for message in booking.messages.order_by("next_attempt_at", "pk")
        ),
    )
    if not rows:
        return "No messages: the patient gave no e-mail address, or nothing was sent yet."
    head = format_html_join("", "<th>{}</th>", ((c,) for c in MESSAGE_COLUMNS))
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, rows)


# The bookings desk lives in the core, which knows nothing of notifications: add the messages to it here.
_booking_admin = type(admin.site._registry[Booking])


class BookingWithMessagesAdmin(_booking_admin):
    readonly_fields = [*_booking_admin.readonly_fields, "patient_messages"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Messages to the patient", {"fields": ["patient_messages"]})]

    @admin.display(description="Messages")
    def patient_messages(self, booking: Booking) -> str:
        return messages_table(booking)


admin.site.unregister(Booking)
admin.site.register(Booking, BookingWithMessagesAdmin)
