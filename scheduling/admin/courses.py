"""Courses of treatment in the admin: the list, each course's page with its visits, booking one from a
patient's or a booking's page (preview first, then book), and cancelling a course from one visit on.

A course is bookings, so the bookings' permissions are the course's: `view_booking` lists and opens them,
`add_booking` books one, `change_booking` cancels; and a course is reached through its practitioner or
any of its visits (scheduling/roles.py). Every write is one call to scheduling/bookings/series.py."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from scheduling import access_log, clinic_time, roles
from scheduling.admin.course_form import CourseForm, initial_for, pattern_in_words
from scheduling.admin.patients import booking_link, patient_link, table
from scheduling.bookings import Actor, PatientDetails
from scheduling.bookings.series import (
    AVAILABLE,
    BEYOND_HORIZON,
    BOOKED,
    CLOSED,
    CONFLICT,
    NONEXISTENT,
    TIME_OFF,
    CourseRefused,
    DateReport,
    book_course,
    cancel_course,
    left_alone,
    preview,
)
from scheduling.links import course_manage_url
from scheduling.models import Booking, BookingEvent, BookingSeries, OnConflict, Patient, Practitioner
from scheduling.rules import BookingError, BookingRuleBroken

ADMIN = BookingEvent.Channel.ADMIN
VIEW, ADD, CHANGE = "scheduling.view_booking", "scheduling.add_booking", "scheduling.change_booking"

SHOWN_STATUS = {
    AVAILABLE: "Free",
    BOOKED: "Booked",
    CONFLICT: "Taken",
    CLOSED: "Closed",
    TIME_OFF: "Practitioner away",
    BEYOND_HORIZON: "Too far ahead",
    NONEXISTENT: "Clocks skip this time",
}


def details_of(patient: Patient) -> PatientDetails:
    """The record's own details for each visit: it is known, so matching is skipped."""
    return PatientDetails(
        name=patient.full_name, email=patient.email, phone=patient.phone, birth_date=patient.birth_date, record=patient
    )


def plan_fingerprint(data: dict) -> str:
    """What the preview showed, so "Book" books the dates staff saw and not a form changed since."""
    asked = repr(sorted((name, str(value)) for name, value in data.items() if name != "previewed"))
    return hashlib.sha256(asked.encode()).hexdigest()[:16]


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in each visit's history."
    )


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return BookingSeries.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(BookingSeries)
class BookingSeriesAdmin(admin.ModelAdmin):
    list_display = ["reference", "patient", "appointment_type", "practitioner_or_any", "pattern", "status", "visits"]
    list_filter = [StatusFilter, "appointment_type"]
    list_select_related = ["patient", "appointment_type", "practitioner"]
    search_fields = ["=reference", "=patient__reference", "patient__family_name", "patient__given_name"]
    search_help_text = "A course (sr_…) or patient (pt_…) reference, or the patient's name."
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["reference", "patient_record", "status", "created_at", "cancelled_at"]}),
        (
            "What was asked for",
            {"fields": ["appointment_type", "practitioner_or_any", "pattern", "start_date", "policy"]},
        ),
        ("Visits", {"fields": ["visits_table"]}),
    ]
    readonly_fields = [
        "reference",
        "patient_record",
        "status",
        "created_at",
        "cancelled_at",
        "appointment_type",
        "practitioner_or_any",
        "pattern",
        "start_date",
        "policy",
        "visits_table",
    ]

    def get_queryset(self, request):
        counted = (
            super()
            .get_queryset(request)
            .annotate(
                booked_count=Count("bookings", filter=~Q(bookings__status=Booking.Status.CANCELLED)),
                cancelled_count=Count("bookings", filter=Q(bookings__status=Booking.Status.CANCELLED)),
            )
        )
        return roles.series_reached(request.user, counted)

    # A course is its bookings: the bookings' permissions are the course's. Nobody edits one (its visits are
    # moved and cancelled) or deletes one (they are medical records).
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW)

    def has_add_permission(self, request):
        return request.user.has_perm(ADD)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_cancel(self, request) -> bool:
        return request.user.has_perm(CHANGE)

    def get_urls(self):
        cancel = self.admin_site.admin_view(self.cancel_view)
        return [path("<path:object_id>/cancel/", cancel, name="scheduling_bookingseries_cancel"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:
            shown = [series.patient for series in listed.result_list]
            access_log.record_patient_reads(request, shown, action=access_log.Action.LISTED, channel=ADMIN)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            access_log.record_patient_reads(request, [obj.patient], action=access_log.Action.VIEWED, channel=ADMIN)
            obj._visits = list(self._visits(request, obj))
            obj._may_cancel = self.may_cancel(request)
            context["may_cancel"] = obj._may_cancel and any(not left_alone(v, clinic_time.now()) for v in obj._visits)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _visits(self, request, series: BookingSeries):
        visits = series.bookings.select_related("practitioner").order_by("series_index")
        return roles.bookings_reached(request.user, visits)

    @admin.display(description="Practitioner")
    def practitioner_or_any(self, series: BookingSeries) -> str:
        return series.practitioner.name if series.practitioner else "Any free practitioner"

    @admin.display(description="Pattern")
    def pattern(self, series: BookingSeries) -> str:
        return pattern_in_words(series)

    @admin.display(description="Dates that could not be booked")
    def policy(self, series: BookingSeries) -> str:
        return series.get_on_conflict_display()

    @admin.display(description="Visits")
    def visits(self, series: BookingSeries) -> str:
        return f"{series.booked_count} booked, {series.cancelled_count} cancelled"

    @admin.display(description="Patient")
    def patient_record(self, series: BookingSeries) -> str:
        return format_html("{} ({})", patient_link(series.patient), series.patient.reference)

    @admin.display(description="Every visit, by number")
    def visits_table(self, series: BookingSeries) -> str:
        now, may_cancel = clinic_time.now(), getattr(series, "_may_cancel", False)
        visits = getattr(series, "_visits", None)
        visits = list(series.bookings.order_by("series_index")) if visits is None else visits
        rows = []
        for visit in visits:
            action = ""
            if may_cancel and not left_alone(visit, now):
                url = reverse("admin:scheduling_bookingseries_cancel", args=[series.pk])
                action = format_html('<a href="{}?from={}">Cancel this and all following</a>', url, visit.series_index)
            rows.append(
                (
                    visit.series_index,
                    booking_link(visit),
                    clinic_time.for_staff(visit.starts_at),
                    visit.practitioner,
                    visit.get_status_display(),
                    action,
                )
            )
        return table(("Visit", "Booking", "Starts", "Practitioner", "Status", ""), rows, "course-visits")

    # Booking a course: the add page is the course form.
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        user, by = request.user, Actor.staff(request.user)
        patient, booking = self._prefilled(request)
        form = CourseForm(
            request.POST or None,
            initial=initial_for(patient=patient, booking=booking),
            practitioners=roles.practitioners_reached(user).filter(is_active=True),
            any_practitioner_allowed=roles.sees_every_practitioner(user),
        )
        reports: list[DateReport] | None = None
        previewed = ""
        if form.is_valid():
            patient = self._patient(request, form)
        if form.is_valid() and patient is not None:
            plan, previewed = form.plan(), plan_fingerprint(form.cleaned_data)
            try:
                if "_book" in request.POST and request.POST.get("previewed") == previewed:
                    return self._book(request, plan, patient, by)
                if "_book" in request.POST:
                    messages.warning(request, "The form changed since the preview: check the dates, then book.")
                reports = preview(plan, by=by)
            except CourseRefused as refused:
                reports = refused.dates
                form.refuse(refused)
            except BookingError as error:
                form.refuse(error)
        if patient is not None:
            access_log.record_patient_reads(request, [patient], action=access_log.Action.VIEWED, channel=ADMIN)
        bookable = sum(report.bookable for report in reports or [])
        names = dict(Practitioner.objects.values_list("slug", "name")) if reports else {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Book a course for {patient}" if patient else "Book a course",
            "form": form,
            "patient": patient,
            "reports": [self._shown(report, names) for report in reports or []],
            "previewed": previewed if reports is not None and not form.errors else "",
            "bookable": bookable,
            "all_or_nothing_refused": reports is not None
            and form.cleaned_data.get("on_conflict") == OnConflict.FAIL
            and bookable < len(reports),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/scheduling/bookingseries/book.html", context)

    def _prefilled(self, request) -> tuple[Patient | None, Booking | None]:
        """The patient (and booking) "Book a course" was opened from, if the user reaches them."""
        booking = None
        booking_pk = request.GET.get("booking", "")
        if booking_pk.isascii() and booking_pk.isdigit():
            booking = roles.bookings_reached(request.user).filter(pk=booking_pk).select_related("patient").first()
            if booking is None or booking.patient is None:
                raise Http404("No such booking.")
            return self._current(booking.patient), booking
        reference = request.GET.get("patient", "")
        if reference:
            patient = roles.patients_reached(request.user).filter(reference=reference).first()
            if patient is None:
                raise Http404("No such patient.")
            return self._current(patient), None
        return None, None

    @staticmethod
    def _current(patient: Patient) -> Patient:
        return patient.merged_into or patient

    def _patient(self, request, form: CourseForm) -> Patient | None:
        reference = form.cleaned_data["patient"].strip()
        patient = roles.patients_reached(request.user).filter(reference=reference).select_related("merged_into").first()
        if patient is None:
            form.add_error("patient", "No patient you can see has this reference.")
            return None
        patient = self._current(patient)
        if patient.is_erased:
            form.add_error("patient", "This patient's data was erased.")
            return None
        return patient

    @staticmethod
    def _shown(report: DateReport, names: dict[str, str]) -> dict:
        occurrence = report.occurrence
        return {
            "index": report.index,
            "day": occurrence.day,
            "time": occurrence.wall_time,
            "status": report.status,
            "shown_status": SHOWN_STATUS.get(report.status, report.status),
            "bookable": report.bookable,
            "detail": report.detail,
            "practitioner": report.practitioner,
            "alternatives": [
                f"{free['start_time']} with {names.get(free['practitioner'], free['practitioner'])}"
                for free in report.alternatives
            ],
        }

    def _book(self, request, plan, patient: Patient, by: Actor):
        series, reports, token = book_course(plan, patient=details_of(patient), by=by, via=ADMIN)
        booked = [report for report in reports if report.booking is not None]
        left_out = [report for report in reports if report.booking is None]
        self.message_user(request, f"Booked {len(booked)} visits of the course {series.reference}.", messages.SUCCESS)
        if left_out:
            dates = "; ".join(
                f"{r.occurrence.day:%a %d %b}: {(r.detail or SHOWN_STATUS[r.status]).rstrip('.')}" for r in left_out
            )
            self.message_user(request, f"Not booked: {dates}.", messages.WARNING)
        link = course_manage_url(series, token, request)
        self.message_user(
            request,
            format_html(
                "Give the patient this link to see their course and cancel visits. It is shown only now: "
                '<a href="{0}">{0}</a>',
                link,
            ),
            messages.WARNING,
        )
        return redirect(reverse("admin:scheduling_bookingseries_change", args=[series.pk]))

    # Cancelling from one visit on.
    def cancel_view(self, request, object_id):
        """ "Cancel this and all following visits": what would be cancelled and kept, a reason, confirm."""
        series = self.get_object(request, unquote(object_id))
        if series is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.may_cancel(request):
            raise PermissionDenied
        asked = request.POST.get("from") or request.GET.get("from") or ""
        if asked and not (asked.isascii() and asked.isdigit()):
            raise Http404("No such visit.")
        from_index = int(asked) if asked else None
        every = list(series.bookings.select_related("practitioner").order_by("series_index"))
        following = [visit for visit in every if from_index is None or visit.series_index >= from_index]
        if from_index is not None and not any(visit.series_index == from_index for visit in every):
            raise Http404("This course has no such visit.")
        if not all(request.user.has_perm(roles.REACH_BOOKING, visit) for visit in following):
            raise PermissionDenied  # some of them are another practitioner's, out of this account's reach
        form = CancelForm(request.POST or None)
        access_log.record_patient_reads(request, [series.patient], action=access_log.Action.VIEWED, channel=ADMIN)
        if request.method == "POST" and form.is_valid():
            by = Actor.staff(request.user)
            try:
                cancelled, refused = cancel_course(
                    series, from_index=from_index, reason=form.cleaned_data["reason"], by=by, via=ADMIN
                )
            except BookingRuleBroken as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self._say_what_happened(request, following, cancelled, dict(refused))
            return redirect(reverse("admin:scheduling_bookingseries_change", args=[series.pk]))
        now = clinic_time.now()
        shown = [(visit, clinic_time.for_staff(visit.starts_at), left_alone(visit, now)) for visit in following]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Cancel this and all following visits" if from_index else "Cancel the course",
            "original": series,
            "series": series,
            "pattern": pattern_in_words(series),
            "from_index": from_index,
            "visits": shown,
            "to_cancel": sum(not why for _, _, why in shown),
            "form": form,
        }
        return TemplateResponse(request, "admin/scheduling/bookingseries/cancel.html", context)

    def _say_what_happened(self, request, following, cancelled, refused: dict) -> None:
        def listed(visits) -> str:
            return ", ".join(f"{v.series_index} ({clinic_time.for_staff(v.starts_at)})" for v in visits)

        done = {visit.pk for visit in cancelled}
        now = clinic_time.now()
        kept = [
            (visit, refused[visit].message if visit in refused else left_alone(visit, now))
            for visit in following
            if visit.pk not in done
        ]
        if cancelled:
            self.message_user(request, f"Cancelled visits {listed(cancelled)}.", messages.SUCCESS)
        else:
            self.message_user(request, "No visit was cancelled.", messages.WARNING)
        if kept:
            why = format_html_join(
                "; ", "{} ({}): {}", ((v.series_index, clinic_time.for_staff(v.starts_at), w) for v, w in kept)
            )
            self.message_user(request, format_html("Kept as they were: {}.", why), messages.INFO)
