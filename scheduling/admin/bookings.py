"""The bookings desk: the list with its filters, each booking's history, front-desk actions, revoking a
patient's manage link, and adding or moving bookings through the one booking service. Every booking the
list or a page shows is recorded as read (scheduling/access_log.py). Staff who do not see every
practitioner's bookings see, open, change and book their own practitioner's only (scheduling/roles.py)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from scheduling import access_log, bookings, clinic_time, roles
from scheduling.admin.courses import pattern_in_words
from scheduling.admin.day_schedule import DayScheduleView
from scheduling.admin.forms import OFF_GRID_PERMISSION, BookingAdminForm, unit_fields
from scheduling.admin.intake import answers_html
from scheduling.admin.phone_search import PhoneSearchMixin
from scheduling.admin.reach import PractitionersOwnAdmin
from scheduling.admin.start_times import start_times_view
from scheduling.admin.week_calendar import calendar_urls
from scheduling.links import manage_url
from scheduling.models import Booking, BookingEvent
from scheduling.rules import BookingError

ADMIN = BookingEvent.Channel.ADMIN


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
        today = clinic_time.today()
        days = {"today": (0, 0), "tomorrow": (1, 1), "week": (0, 6)}
        if self.value() in days:
            first, last = (today + timedelta(days=n) for n in days[self.value()])
            return queryset.starting_on(first, last)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gte=clinic_time.now())
        if self.value() == "past":
            return queryset.filter(starts_at__lt=clinic_time.now())
        return queryset


def earlier_no_shows() -> Subquery:
    """How many times the same patient (same e-mail or phone) did not come before this booking."""
    same_patient = (Q(patient_email=OuterRef("patient_email")) & ~Q(patient_email="")) | (
        Q(patient_phone=OuterRef("patient_phone")) & ~Q(patient_phone="")
    )
    no_shows = (
        Booking.objects.filter(same_patient, status=Booking.Status.NO_SHOW, starts_at__lt=OuterRef("starts_at"))
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return Coalesce(Subquery(no_shows, output_field=IntegerField()), 0)


def code_to_read_out(request, booking: Booking) -> str:
    """The message's second half: the booking's code, for a patient on the phone (tokens.manage_code)."""
    return format_html(
        ' On the phone, read out the booking code <strong class="manage-code">{0}</strong>: the patient types it '
        'at <a href="{1}">{1}</a>.',
        booking.manage_code,
        request.build_absolute_uri(reverse("manage-code")),
    )


HISTORY_COLUMNS = ("Revision", "When", "What", "Who", "Channel", "Reason", "What changed")


def history_table(booking: Booking) -> str:
    """The booking's history, oldest first, as a read-only table (the database refuses edits anyway)."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                event.revision,
                clinic_time.for_staff(event.occurred_at, seconds=True),
                event.get_kind_display(),
                f"{event.get_actor_display()} {event.actor_name}".strip(),
                event.get_channel_display(),
                event.reason,
                "; ".join(
                    f"{name}: {before or '-'} \u2192 {after or '-'}" for name, (before, after) in event.changes.items()
                ),
            )
            for event in booking.events.order_by("revision")
        ),
    )
    head = format_html_join("", "<th>{}</th>", ((column,) for column in HISTORY_COLUMNS))
    return format_html('<table class="booking-history"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, rows)


@admin.register(Booking)
class BookingAdmin(PhoneSearchMixin, PractitionersOwnAdmin, admin.ModelAdmin):
    form = BookingAdminForm
    list_display = [
        "reference",
        "local_start",
        "listed_name",
        "appointment_type",
        "practitioner",
        "status",
        "earlier_no_shows",
    ]
    # Practitioners with bookings in reach only: not an inactive one nobody can book (the demo's "Clinic"), nor
    # one a practitioner's account cannot see.
    list_filter = [WhenFilter, "status", "appointment_type", ("practitioner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["appointment_type", "practitioner"]
    search_fields = ["patient_name", "=reference", "patient_email", "patient_phone"]
    phone_search_field = "patient_phone"  # as typed: found in any form (admin/phone_search.py)
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    autocomplete_fields = ["practitioner"]
    actions = [
        "cancel_selected",
        "check_in_selected",
        "complete_selected",
        "no_show_selected",
        "revoke_manage_link_selected",
    ]
    readonly_fields = [
        "reference",
        "status",
        "revision",
        "local_start",
        "local_end",
        "earlier_no_shows",
        "intake_answers_asked",
        "patient_record",
        "course",
        "history",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(earlier_no_show_count=earlier_no_shows())

    def get_fieldsets(self, request, obj=None):
        when = ["appointment_type", "practitioner", "date", "start_time"]
        if request.user.has_perm(OFF_GRID_PERMISSION) and (obj is None or obj.is_confirmed):
            when.append("off_grid")
        patient = ["patient_name", "patient_email", "patient_phone", "patient_birth_date", "reason_for_visit"]
        if obj is None:
            units = list(unit_fields())
            rooms = [("Rooms and equipment", {"fields": units})] if units else []
            return [("When", {"fields": when}), *rooms, ("Patient", {"fields": patient})]
        record = ["reference", "status", "revision", "local_start", "local_end", "created_at", "updated_at"]
        if obj.series_id:
            record.insert(1, "course")
        cancellation = ["cancelled_at", "cancelled_by", "cancellation_reason"]
        return [
            (None, {"fields": record}),
            ("When", {"fields": [*when, "seen_revision"]}),
            ("Patient", {"fields": ["patient_record", *patient, "intake_answers_asked", "earlier_no_shows"]}),
            ("Cancellation", {"fields": cancellation, "classes": ["collapse"]}),
            ("History", {"fields": ["history"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        if obj.is_hold:
            return [*self.readonly_fields, *BookingAdminForm.Meta.fields, "date", "start_time"]
        # A type sets the booking's length; changing it is a new booking, not an edit.
        when = ["appointment_type"] if obj.is_confirmed else ["appointment_type", "practitioner", "date", "start_time"]
        return [*self.readonly_fields, *when]

    @admin.display(description="Intake answers")
    def intake_answers_asked(self, booking: Booking) -> str:
        """Each answer under the question as the patient was asked it (a question edited since shows as asked)."""
        return answers_html(booking)

    @admin.display(description="Patient's record")
    def patient_record(self, booking: Booking) -> str:
        """The record this booking is for (and the one it was merged into): its page has the whole history."""
        patient = booking.patient
        if patient is None:
            return "-"
        link = format_html(
            '<a href="{}">{} ({})</a>',
            reverse("admin:scheduling_patient_change", args=[patient.pk]),
            patient,
            patient.reference,
        )
        kept = patient.merged_into
        if kept is None:
            return link
        return format_html(
            '{}, merged into <a href="{}">{} ({})</a>',
            link,
            reverse("admin:scheduling_patient_change", args=[kept.pk]),
            kept,
            kept.reference,
        )

    @admin.display(description="Course of treatment")
    def course(self, booking: Booking) -> str:
        """ "Visit 3 of 8 of course sr_…": numbered as the course's dates, which a moved visit keeps."""
        series = booking.series
        if series is None:
            return "-"
        last = series.bookings.aggregate(last=Max("series_index"))["last"]
        return format_html(
            'Visit {} of {} of course <a href="{}">{}</a> ({})',
            booking.series_index,
            max(last or 0, series.count or 0),
            reverse("admin:scheduling_bookingseries_change", args=[series.pk]),
            series.reference,
            pattern_in_words(series),
        )

    def has_delete_permission(self, request, obj=None):
        # Bookings are medical records: staff cancel them, which frees the time and keeps the history.
        return False

    def get_urls(self):
        day_view = self.admin_site.admin_view(DayScheduleView.as_view(model_admin=self))
        revoke_view = self.admin_site.admin_view(self.revoke_manage_link_view)
        return [
            path("day/", day_view, name="scheduling_booking_day"),
            path(
                "start-times/",
                self.admin_site.admin_view(partial(start_times_view, model_admin=self)),
                name="scheduling_booking_start_times",
            ),
            *calendar_urls(self),
            path("<path:object_id>/revoke-link/", revoke_view, name="scheduling_booking_revoke_link"),
            *super().get_urls(),
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "practitioner":  # the calendars this staff member may book into and see
            kwargs["queryset"] = roles.practitioners_reached(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if not roles.sees_every_practitioner(request.user):
            initial.setdefault("practitioner", roles.own_practitioner_id(request.user))
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        units = unit_fields() if obj is None else {}
        if units:
            # The unit selects are the form's own, added below: the model form would refuse them as unknown.
            fields = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
            kwargs["fields"] = [name for name in fields if name not in units]
        form = super().get_form(request, obj, change=change, **kwargs)
        extra = {"lost_race": getattr(request, "lost_race", None), **units}
        # "Any free practitioner" could be another's calendar, which this staff member then could not open.
        extra["any_practitioner_allowed"] = roles.sees_every_practitioner(request.user)
        extra["off_grid_allowed"] = request.user.has_perm(OFF_GRID_PERMISSION)
        return type(form.__name__, (form,), extra)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:  # a page of bookings, not a redirect after an action
            # Evaluates the page's rows once; the template then reads the same, cached, rows.
            access_log.record_staff_reads(request, listed.result_list, action=access_log.Action.LISTED, channel=ADMIN)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            access_log.record_staff_reads(request, [obj], action=access_log.Action.VIEWED, channel=ADMIN)
            context["may_book_course"] = obj.patient_id is not None and request.user.has_perm("scheduling.add_booking")
            context["may_cancel_following"] = (
                obj.series_id is not None
                and obj.is_confirmed
                and obj.starts_at > clinic_time.now()
                and request.user.has_perm("scheduling.change_booking")
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except BookingError as lost:
            # Someone else took the time or changed the booking after the form checked out. Nothing was
            # written (the admin's transaction rolled back); show the form again with what happened.
            request.lost_race = lost
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """One call to the booking service per change; the form has only checked."""
        data, by = form.cleaned_data, bookings.Actor.staff(request.user)
        patient = bookings.PatientDetails.named_in(data)
        if not change:
            made, token = bookings.book(
                bookings.RequestedSlot(
                    data["appointment_type"], data["date"], data["start_time"], data.get("practitioner")
                ),
                patient=patient,
                by=by,
                via=ADMIN,
                off_grid=data.get("off_grid", False),
                resources=form.pinned_units() or None,
            )
            vars(obj).update(vars(made))
            request.manage_link = manage_url(made, token, request)
            return
        saved = Booking.objects.select_related("appointment_type", "practitioner").get(pk=obj.pk)
        if saved.is_hold:
            return  # nothing on a hold is staff's to edit
        if data.get("seen_revision"):
            saved.revision = data["seen_revision"]  # the write applies only if nobody changed it since
        if saved.is_confirmed and form.moved():
            saved = bookings.reschedule(
                saved,
                bookings.RequestedSlot(
                    saved.appointment_type,
                    data["date"],
                    data["start_time"],
                    data.get("practitioner") or saved.practitioner,
                ),
                by=by,
                via=ADMIN,
                off_grid=data.get("off_grid", False),
            )
        bookings.change_patient_details(saved, patient, by=by, via=ADMIN)

    def response_add(self, request, obj, post_url_continue=None):
        link = getattr(request, "manage_link", None)
        if link:
            self.message_user(
                request,
                format_html(
                    "Give the patient this link to view, move or cancel their booking. It is shown only "
                    'now: <a href="{0}">{0}</a>{1}',
                    link,
                    code_to_read_out(request, obj),
                ),
                messages.WARNING,
            )
        view = request.GET.get("calendar")
        if view in ("week", "day") and not {"_addanother", "_continue"} & set(request.POST):
            # Booked from the calendar: back to it, on the booking's day.
            self.message_user(request, f"The booking {obj.reference} was added successfully.", messages.SUCCESS)
            day = clinic_time.local_date(obj.starts_at).isoformat()
            return HttpResponseRedirect(f"{reverse('admin:scheduling_booking_calendar')}?view={view}&date={day}")
        return super().response_add(request, obj, post_url_continue)

    # The form's `date` and `start_time` where the booking's time can no longer be changed (a hold, a
    # cancelled or past visit): shown, in clinic time, as the form would have them.
    @admin.display(description="Date")
    def date(self, booking):
        return clinic_time.local(booking.starts_at).date()

    @admin.display(description="Start time")
    def start_time(self, booking):
        return f"{clinic_time.local(booking.starts_at):%H:%M}"

    @admin.display(description="Starts", ordering="starts_at")
    def local_start(self, booking):
        return clinic_time.for_staff(booking.starts_at)

    @admin.display(description="Ends", ordering="ends_at")
    def local_end(self, booking):
        return clinic_time.for_staff(booking.ends_at)

    @admin.display(description="Patient name", ordering="patient_name")
    def listed_name(self, booking):
        """The list's name cell: a long name ends in an ellipsis (booking/change_list.html), whole in its title."""
        return format_html('<span title="{0}">{0}</span>', booking.patient_name)

    @admin.display(description="Changes, oldest first")
    def history(self, booking):
        return history_table(booking)

    @admin.display(description="Earlier no-shows", ordering="earlier_no_show_count")
    def earlier_no_shows(self, booking):
        count = getattr(booking, "earlier_no_show_count", None)
        if count is None:  # the change page's object comes without the list's annotation
            annotated = Booking.objects.filter(pk=booking.pk).annotate(earlier_no_show_count=earlier_no_shows())
            count = annotated.values_list("earlier_no_show_count", flat=True)[0]
        return count

    def _each(self, request, queryset: QuerySet[Booking], change, done: str) -> None:
        """Apply one service call to each selected booking; say what happened, and what could not."""
        changed, refused = 0, []
        for booking in queryset.select_related("appointment_type", "practitioner"):
            try:
                change(booking, by=bookings.Actor.staff(request.user), via=ADMIN)
                changed += 1
            except BookingError as error:
                refused.append(f"{booking.reference}: {error.message}")
        self.message_user(request, f"{done} {changed} booking(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not changed: " + " ".join(refused), messages.WARNING)

    @admin.action(description="Cancel selected bookings (frees their time)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        def cancel(booking, **who):
            return bookings.cancel(booking, reason=f"Cancelled by {request.user}", **who)

        self._each(request, queryset, cancel, "Cancelled")

    @admin.action(description="Check in: the patient has arrived", permissions=["change"])
    def check_in_selected(self, request, queryset):
        self._each(request, queryset, bookings.check_in, "Checked in")

    @admin.action(description="Complete: the visit took place", permissions=["change"])
    def complete_selected(self, request, queryset):
        self._each(request, queryset, bookings.complete, "Completed")

    @admin.action(description="No-show: the patient did not come", permissions=["change"])
    def no_show_selected(self, request, queryset):
        self._each(request, queryset, bookings.mark_no_show, "Marked as no-show")

    @admin.action(description="Revoke the manage link (the patient is e-mailed a new one)", permissions=["change"])
    def revoke_manage_link_selected(self, request, queryset):
        self._each(request, queryset, lambda booking, **who: self._revoke(request, booking, who), "Revoked the link of")

    def revoke_manage_link_view(self, request, object_id):
        """The change page's button: the same revocation for the booking on screen."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        booking = self.get_object(request, unquote(object_id))
        if booking is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        try:
            revoked = self._revoke(request, booking, {"by": bookings.Actor.staff(request.user), "via": ADMIN})
        except BookingError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            sent = " A new link is on its way to the patient by e-mail." if revoked.patient_email else ""
            self.message_user(request, "The old manage link no longer opens this booking." + sent, messages.SUCCESS)
        return redirect(reverse("admin:scheduling_booking_change", args=[booking.pk]))

    def _revoke(self, request, booking: Booking, who: dict) -> Booking:
        """Revoke; a patient without an e-mail address gets the new link from staff, as when staff book."""
        revoked = bookings.revoke_manage_link(booking, **who)
        if not revoked.patient_email:
            link = manage_url(revoked, revoked.manage_token, request)
            self.message_user(
                request,
                format_html(
                    "{0} has no e-mail address: give the patient its new link yourself. It is shown only "
                    'now: <a href="{1}">{1}</a>{2}',
                    revoked.reference,
                    link,
                    code_to_read_out(request, revoked),
                ),
                messages.WARNING,
            )
        return revoked
