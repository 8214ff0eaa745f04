"""Staff see the waitlist in line order, each entry's offers, and every offer with its outcome; they add
patients who phoned in (with the same rules as the API) and take entries out of line. Staff who do not see
every practitioner's patients see the entries and offers of their own practitioner only; each entry shown
is recorded as a read of its patient's record."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from scheduling import access_log, bookings, clinic_time
from scheduling.admin.reach import PractitionersOwnAdmin
from scheduling.admin.records import RecordAdmin
from scheduling.models import BookingEvent
from scheduling.patient_details import NameField, validate_phone
from scheduling.rules import BookingRuleBroken
from waitlist import line, notices
from waitlist.models import Entry, Offer


class EntryForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = [
            "appointment_type",
            "practitioner",
            "earliest_date",
            "latest_date",
            "earliest_time",
            "latest_time",
            "patient_name",
            "patient_email",
            "patient_phone",
        ]
        field_classes = {"patient_name": NameField}  # normalised as every interface stores it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "patient_phone" in self.fields:  # a number that can be called, as every interface asks
            self.fields["patient_phone"].validators.append(validate_phone)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        wish = line.Wish(**{name: data.get(name) for name in line.Wish.__dataclass_fields__})
        try:
            wish.check(clinic_time.today())
        except BookingRuleBroken as broken:
            raise forms.ValidationError({broken.field: broken.message}) from None
        return data


class RecordsEntriesRead:
    """Mixed into an admin of entries, or of what names one (`entry_of`): its list and pages log reads."""

    def entry_of(self, row) -> Entry:
        return row

    def _record(self, request, rows, action: str) -> None:
        patients = [self.entry_of(row).patient for row in rows]
        access_log.record_patient_reads(
            request, [p for p in patients if p is not None], action=action, channel=access_log.Channel.ADMIN
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:  # a page of rows, not a redirect after an action
            self._record(request, listed.result_list, access_log.Action.LISTED)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            self._record(request, [obj], access_log.Action.VIEWED)
        return super().render_change_form(request, context, add, change, form_url, obj)


def when(offer: Offer) -> str:
    return clinic_time.for_staff(offer.hold.starts_at)


def booking_link(offer: Offer) -> str:
    url = reverse("admin:scheduling_booking_change", args=[offer.hold_id])
    return format_html('<a href="{}">{}</a>', url, offer.hold.reference)


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    can_delete = False
    fields = ["time", "practitioner", "status", "offered", "expires", "answered", "booking"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("hold__practitioner")

    @admin.display(description="Time offered")
    def time(self, offer: Offer) -> str:
        return when(offer)

    @admin.display(description="Practitioner")
    def practitioner(self, offer: Offer) -> str:
        return offer.hold.practitioner.name

    @admin.display(description="Offered")
    def offered(self, offer: Offer) -> str:
        return clinic_time.for_staff(offer.offered_at)

    @admin.display(description="Held until")
    def expires(self, offer: Offer) -> str:
        return clinic_time.for_staff(offer.expires_at)

    @admin.display(description="Answered")
    def answered(self, offer: Offer) -> str:
        return clinic_time.for_staff(offer.answered_at)

    @admin.display(description="Booking")
    def booking(self, offer: Offer) -> str:
        return booking_link(offer)


@admin.register(Entry)
class EntryAdmin(RecordsEntriesRead, PractitionersOwnAdmin, admin.ModelAdmin):
    form = EntryForm
    list_display = [
        "patient_name",
        "appointment_type",
        "practitioner_or_any",
        "days",
        "times",
        "shown_status",
        "joined",
    ]
    list_filter = ["status", "appointment_type", "practitioner"]
    list_select_related = ["appointment_type", "practitioner", "patient"]
    search_fields = ["=reference", "patient_name", "patient_email"]
    readonly_fields = ["reference", "shown_status", "place_in_line", "joined", "ended", "booking_made"]
    inlines = [OfferInline]
    actions = ["take_out_of_line"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return EntryForm.Meta.fields
        return [*self.readonly_fields[:3], *EntryForm.Meta.fields, *self.readonly_fields[3:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # What the patient asked for stays as asked once in line; contact details can be corrected.
        return [*self.readonly_fields, "appointment_type", "practitioner"]

    def has_delete_permission(self, request, obj=None):
        return False  # taking an entry out of line withdraws its offer; a delete would not

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        shown = getattr(response, "context_data", {}).get("object")
        if shown is not None:  # its title is the entry, which names the patient
            self._record(request, [shown], access_log.Action.HISTORY)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:  # a patient added by phone gets the same e-mail, with their link, as one who joined online
            notices.joined(obj)

    @admin.display(description="Practitioner", ordering="practitioner__name")
    def practitioner_or_any(self, entry: Entry) -> str:
        return entry.practitioner.name if entry.practitioner else "Any"

    @admin.display(description="Days", ordering="earliest_date")
    def days(self, entry: Entry) -> str:
        if entry.earliest_date == entry.latest_date:
            return f"{entry.earliest_date:%a %Y-%m-%d}"
        return f"{entry.earliest_date:%a %Y-%m-%d} to {entry.latest_date:%a %Y-%m-%d}"

    @admin.display(description="Times of day")
    def times(self, entry: Entry) -> str:
        earliest = f"{entry.earliest_time:%H:%M}" if entry.earliest_time else "opening"
        latest = f"{entry.latest_time:%H:%M}" if entry.latest_time else "closing"
        return "Any" if not (entry.earliest_time or entry.latest_time) else f"{earliest} to {latest}"

    @admin.display(description="Status", ordering="status")
    def shown_status(self, entry: Entry) -> str:
        state = entry.state(clinic_time.today())
        return "ended (latest date passed)" if state == Entry.ENDED else entry.get_status_display()

    @admin.display(description="Place in line")
    def place_in_line(self, entry: Entry) -> str:
        place = line.position(entry, clinic_time.today())
        return f"{place} for {entry.appointment_type.name}" if place else "-"

    @admin.display(description="Joined", ordering="joined_at")
    def joined(self, entry: Entry) -> str:
        return clinic_time.for_staff(entry.joined_at)

    @admin.display(description="Ended")
    def ended(self, entry: Entry) -> str:
        return clinic_time.for_staff(entry.ended_at)

    @admin.display(description="Booking")
    def booking_made(self, entry: Entry) -> str:
        if entry.booking_id is None:
            return "-"
        url = reverse("admin:scheduling_booking_change", args=[entry.booking_id])
        return format_html('<a href="{}">{}</a>', url, entry.booking.reference)

    @admin.action(description="Take out of line (an open offer is withdrawn and its time freed)")
    def take_out_of_line(self, request, queryset):
        staff = bookings.Actor.staff(request.user)
        taken = 0
        for entry in queryset.filter(status=Entry.Status.WAITING):
            line.leave(entry, by=staff, via=BookingEvent.Channel.ADMIN)
            taken += 1
        self.message_user(request, f"{taken} waitlist entr{'y' if taken == 1 else 'ies'} taken out of line.")


@admin.register(Offer)
class OfferAdmin(RecordsEntriesRead, PractitionersOwnAdmin, RecordAdmin):
    """Read only: offers are made, answered and lapse by themselves."""

    reach_through = "hold__practitioner"
    list_display = ["patient", "time", "practitioner", "status", "offered", "expires", "answered", "booking"]
    list_filter = ["status"]
    list_select_related = ["entry__patient", "hold__practitioner"]
    search_fields = ["=hold__reference", "=entry__reference", "entry__patient_name", "entry__patient_email"]
    time, practitioner, offered, expires, answered, booking = (
        OfferInline.time,
        OfferInline.practitioner,
        OfferInline.offered,
        OfferInline.expires,
        OfferInline.answered,
        OfferInline.booking,
    )

    def entry_of(self, offer: Offer) -> Entry:
        return offer.entry

    @admin.display(description="Patient", ordering="entry__patient_name")
    def patient(self, offer: Offer) -> str:
        url = reverse("admin:waitlist_entry_change", args=[offer.entry_id])
        return format_html('<a href="{}">{}</a>', url, offer.entry.patient_name)
