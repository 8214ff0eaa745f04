"""Admin for rooms and equipment (with their weekly hours, time off and calendar feed), the pools types need
units of, and group sessions (read only: their seats are bookings).

Making a unit inactive, or giving it time off, over bookings still to come is refused with a list of them,
unless "Move its bookings to other units" is ticked and every one can move to another free unit of its pool
(scheduling/resource_changes.py): then they move, with the change, in the admin's one transaction."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import BaseInlineFormSet
from django.http import HttpResponseRedirect

from scheduling import clinic_time, resource_changes
from scheduling.admin.records import RecordAdmin
from scheduling.links import resource_feed_url
from scheduling.models import Booking, GroupSession, Resource, ResourceHours, ResourcePool, ResourceTimeOff
from scheduling.resource_changes import ResourceChange
from scheduling.rules import BookingError

REASSIGN_FIELD = "reassign"
REFUSED = "_resource_change_refused"


def _refusal(change: ResourceChange, reassign: bool) -> ValidationError | None:
    """The form error for a change over bookings still to come (each with its time and practitioner), or
    None when it can be saved (nothing hit, or everything hit can move and staff asked to move it)."""
    now = clinic_time.now()
    claims = resource_changes.affected(change, now)
    if not claims:
        return None
    if reassign:
        stuck = [m for m in resource_changes.proposed_moves(change, claims, now) if m.to is None]
        if not stuck:
            return None
        lead = f"{len(stuck)} of these bookings cannot move to another free unit of the same pool; nothing was saved:"
        hit = [booking for move in stuck for booking in move.bookings]
    else:
        lead = (
            f"{change.resource.name} is booked for these bookings still to come. Tick \u201cMove its bookings to "
            "other units\u201d to move them to other free units of the same pool, or change nothing:"
        )
        hit = [claim.booking for claim in claims]
    return ValidationError([lead, *(resource_changes.describe(booking) for booking in hit)], code="resource_in_use")


class ResourceForm(forms.ModelForm):
    reassign = forms.BooleanField(
        label="Move its bookings to other units",
        required=False,
        help_text="When it is made inactive or given time off over bookings still to come: move each to another "
        "free unit of the same pool. If one cannot move, nothing is saved.",
    )

    class Meta:
        model = Resource
        fields = ["name", "slug", "kind", "is_active", "turnover_minutes"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.initial.get("is_active") and cleaned.get("is_active") is False:
            refusal = _refusal(ResourceChange.deactivation(self.instance), cleaned.get(REASSIGN_FIELD, False))
            if refusal:
                raise ValidationError({"is_active": refusal})
        return cleaned


class ResourceHoursInline(admin.TabularInline):
    model = ResourceHours
    extra = 0
    ordering = ["weekday", "opens_at"]


class ResourceTimeOffFormSet(BaseInlineFormSet):
    """New or changed time off over bookings to come is refused on its row, unless they can all move."""

    request = None

    def clean(self):
        super().clean()
        if any(self.errors) or self.request is None:
            return
        reassign = self.request.POST.get(REASSIGN_FIELD) == "on"
        for form in self.forms:
            if not form.has_changed() or form.cleaned_data.get("DELETE") or not form.cleaned_data:
                continue
            row = form.instance
            if not (row.starts_at and row.ends_at) or row.ends_at <= row.starts_at:
                continue
            refusal = _refusal(ResourceChange.time_off(row), reassign)
            if refusal:
                form.add_error(None, refusal)


class ResourceTimeOffInline(admin.TabularInline):
    model = ResourceTimeOff
    formset = ResourceTimeOffFormSet
    extra = 0
    ordering = ["-starts_at"]
    fields = ["starts_at", "ends_at", "reason"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    form = ResourceForm
    list_display = ["name", "slug", "kind", "pool_names", "turnover_minutes", "is_active"]
    list_filter = ["kind", "is_active", "pools"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ResourceHoursInline, ResourceTimeOffInline]
    readonly_fields = ["feed_token_issued_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_active", "turnover_minutes"]}),
        ("Bookings still to come", {"fields": [REASSIGN_FIELD]}),
        ("Calendar feed", {"fields": ["feed_token_issued_at"]}),
    ]
    actions = ["issue_calendar_feed_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pools")

    @admin.display(description="Pools")
    def pool_names(self, resource: Resource) -> str:
        return ", ".join(pool.name for pool in resource.pools.all())

    def _apply(self, request, change: ResourceChange) -> None:
        """Carry out a change the form let through; a booking made since the form's check is a refusal, never
        a 500, and the admin's transaction is rolled back with it."""
        try:
            applied = resource_changes.apply(change, reassign=request.POST.get(REASSIGN_FIELD) == "on")
        except BookingError as error:  # its own savepoint is rolled back: the unit is as it was
            setattr(request, REFUSED, True)
            self.message_user(request, f"Nothing was saved: {error.message}", messages.ERROR)
            return
        for move in applied.moves:
            self.message_user(
                request,
                f"Moved to {move.to.name}: {', '.join(resource_changes.describe(b) for b in move.bookings)}",
                messages.INFO,
            )

    def save_model(self, request, obj, form, change):
        if change and form.initial.get("is_active") and not obj.is_active:
            self._apply(request, ResourceChange(obj, save=obj.save))
        else:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not getattr(request, REFUSED, False):  # a refused change saves none of the page
            super().save_related(request, form, formsets, change)

    def log_change(self, request, obj, message):
        if not getattr(request, REFUSED, False):
            return super().log_change(request, obj, message)
        return None

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, ResourceTimeOffFormSet):
            return super().save_formset(request, form, formset, change)
        for row in formset.save(commit=False):
            self._apply(request, ResourceChange.time_off(row))
            if getattr(request, REFUSED, False):
                return
        for row in formset.deleted_objects:
            row.delete()

    def response_change(self, request, obj):
        if getattr(request, REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description="Issue new calendar feed links (the old links stop working)", permissions=["change"])
    def issue_calendar_feed_links(self, request, queryset):
        # Shown once: only a digest of each token is kept, so a lost link is replaced, not looked up.
        for resource in queryset:
            url = resource_feed_url(resource, resource.issue_feed_token())
            self.message_user(request, f"Calendar feed for {resource}: {url}", messages.SUCCESS)


@admin.register(ResourcePool)
class ResourcePoolAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_names", "active_members"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        active = Count("members", filter=Q(members__is_active=True), distinct=True)
        return super().get_queryset(request).prefetch_related("members").annotate(active=active)

    @admin.display(description="Units")
    def member_names(self, pool: ResourcePool) -> str:
        return ", ".join(unit.name for unit in pool.members.all())

    @admin.display(description="Active units", ordering="active")
    def active_members(self, pool: ResourcePool) -> int:
        return pool.active


@admin.register(GroupSession)
class GroupSessionAdmin(RecordAdmin):
    """Sessions are made by their first seat's booking and end with their bookings: nobody edits them here.
    Who sits in one is on the day schedule, for staff who may see the patients."""

    list_display = ["appointment_type", "practitioner", "starts_at", "seats"]
    list_filter = [
        ("appointment_type", admin.RelatedOnlyFieldListFilter),
        ("practitioner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["appointment_type", "practitioner"]
    date_hierarchy = "starts_at"
    fields = ["appointment_type", "practitioner", "starts_at", "ends_at", "capacity", "seats"]
    readonly_fields = fields

    def get_queryset(self, request):
        taken = Count("seats", filter=Q(seats__status__in=Booking.BLOCKING), distinct=True)
        return super().get_queryset(request).annotate(taken=taken)

    @admin.display(description="Seats taken")
    def seats(self, session: GroupSession) -> str:
        return f"{session.taken} of {session.capacity}"
