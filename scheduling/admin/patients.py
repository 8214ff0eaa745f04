"""Patients' records in the admin: the list, the patient's page (contact details, then every booking, the
apps' sections, merges and, for whoever audits access, who looked), merging from a record or from a
possible duplicate shown side by side, and undoing a merge. Lists hold only the records the user reaches
(scheduling/roles.py); every record shown is recorded as read."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from scheduling import access_log, clinic_time, patients, roles
from scheduling.admin.course_form import pattern_in_words
from scheduling.models import Booking, BookingSeries, MatchCandidate, Patient, PatientDataRead, PatientMerge
from scheduling.patient_details import e164_phone, normalised_email
from scheduling.patients import history, history_pks, merging
from scheduling.patients.sections import SECTIONS
from scheduling.rules import BookingError

ADMIN = PatientDataRead.Channel.ADMIN
MERGE_PATIENTS = "scheduling.merge_patient"
READS_OF_PATIENTS = "scheduling.view_patientdataread"


def table(columns, rows, css_class: str) -> str:
    """A read-only table; `rows` are tuples of cells, already safe or to be escaped."""
    head = format_html_join("", "<th>{}</th>", ((column,) for column in columns))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),) for row in rows)
    )
    if not body:
        body = format_html('<tr><td colspan="{}">None.</td></tr>', len(columns))
    return format_html('<table class="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', css_class, head, body)


def booking_link(booking: Booking) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:scheduling_booking_change", args=[booking.pk]), booking.reference
    )


def patient_link(patient: Patient) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:scheduling_patient_change", args=[patient.pk]), patient)


def last_visit(bookings: list[Booking]) -> str:
    now = clinic_time.now()
    visits = [b for b in bookings if b.starts_at < now and b.status != Booking.Status.CANCELLED]
    return clinic_time.for_staff(visits[-1].starts_at) if visits else "-"


def shown_cell(value) -> str:
    """A section's JSON-ready value as staff read it: instants in the clinic's time, nothing as a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str) and "T" in value:
        try:
            return clinic_time.for_staff(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


class PatientForm(forms.ModelForm):
    """The contact details staff correct, stored as matching compares them."""

    class Meta:
        model = Patient
        fields = ["given_name", "family_name", "birth_date", "email", "phone", "preferred_language"]

    def clean_email(self):
        return normalised_email(self.cleaned_data["email"])

    def clean_phone(self):
        typed = self.cleaned_data["phone"]
        phone = e164_phone(typed) if typed else ""
        if typed and not phone:
            raise forms.ValidationError("Not a phone number this clinic can call.")
        return phone


class MergeForm(forms.Form):
    into = forms.CharField(
        label="Merge into (reference)", max_length=32, help_text="The other record's pt_… reference."
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class FilterWithDefault(admin.SimpleListFilter):
    """A filter whose unfiltered state is one of its choices (`default`), not "All": "all" is a choice."""

    default: str

    def choices(self, changelist):
        for value, title in self.lookup_choices:
            yield {
                "selected": (self.value() or self.default) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def chosen(self) -> str:
        return self.value() or self.default


class CurrentFilter(FilterWithDefault):
    """Records merged into another are part of that one: left out unless asked for."""

    title = "merged"
    parameter_name = "merged"
    default = "no"

    def lookups(self, request, model_admin):
        return [("no", "Records in use"), ("yes", "Merged into another"), ("all", "All")]

    def queryset(self, request, queryset):
        if self.chosen() == "all":
            return queryset
        return queryset.filter(merged_into__isnull=self.chosen() == "no")


class DuplicateFilter(admin.SimpleListFilter):
    title = "possible duplicate"
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("open", "Open possible duplicate")]

    def queryset(self, request, queryset):
        return queryset.with_open_candidates() if self.value() == "open" else queryset


class ErasedFilter(admin.SimpleListFilter):
    title = "erased"
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("yes", "Erased"), ("no", "Not erased")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(erased_at__isnull=self.value() == "no")
        return queryset


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    form = PatientForm
    list_display = ["name", "birth_date", "email", "phone", "bookings_count", "reference"]
    list_filter = [CurrentFilter, DuplicateFilter, ErasedFilter]
    search_fields = ["=reference", "name_key", "=email", "=phone"]
    search_help_text = "A reference (pt_…), an e-mail address or phone, or part of a name."
    date_hierarchy = "created_at"
    show_full_result_count = False
    contact = ["given_name", "family_name", "birth_date", "email", "phone", "preferred_language"]
    record = ["reference", "created_at", "merged_into_link", "erased_at"]
    readonly_fields = [
        *record,
        "counts",
        "bookings_table",
        "courses_table",
        "sections_tables",
        "merges_table",
        "reads_table",
    ]

    def get_queryset(self, request):
        own_or_merged = ~Q(bookings__status__in=Booking.HOLD_STATUSES)
        merged_in = ~Q(merged_patients__bookings__status__in=Booking.HOLD_STATUSES)
        annotated = (
            super()
            .get_queryset(request)
            .select_related("merged_into")
            .annotate(
                own_bookings=Count("bookings", filter=own_or_merged, distinct=True),
                merged_bookings=Count("merged_patients__bookings", filter=merged_in, distinct=True),
            )
        )
        return roles.patients_reached(request.user, annotated)

    def get_search_results(self, request, queryset, search_term):
        # The same search as the API's: a phone in any format, an e-mail in any case.
        return queryset.searched(search_term), False

    def has_add_permission(self, request):
        return False  # records come from bookings; matching makes them

    def has_delete_permission(self, request, obj=None):
        return False  # erasure is a privacy request, and keeps the appointments

    def get_fieldsets(self, request, obj=None):
        shown = [
            (None, {"fields": self.record}),
            ("Contact details", {"fields": self.contact}),
            ("Appointments", {"fields": ["counts", "bookings_table", "courses_table"]}),
            ("Waitlist and messages", {"fields": ["sections_tables"]}),
            ("Merges", {"fields": ["merges_table"]}),
        ]
        if request.user.has_perm(READS_OF_PATIENTS):
            shown.append(("Who looked at this patient", {"fields": ["reads_table"]}))
        return shown

    def get_urls(self):
        merge_view = self.admin_site.admin_view(self.merge_view)
        unmerge_view = self.admin_site.admin_view(self.unmerge_view)
        return [
            path("<path:object_id>/merge/", merge_view, name="scheduling_patient_merge"),
            path("<path:object_id>/unmerge/", unmerge_view, name="scheduling_patient_unmerge"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:
            access_log.record_patient_reads(request, listed.result_list, action=access_log.Action.LISTED, channel=ADMIN)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        shown = getattr(response, "context_data", {}).get("object")
        if shown is not None:  # its title is the record, which names the patient
            access_log.record_patient_reads(request, [shown], action=access_log.Action.HISTORY, channel=ADMIN)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            access_log.record_patient_reads(request, [obj], action=access_log.Action.VIEWED, channel=ADMIN)
            # The read-only fields get the record only: it carries whether the user may undo a merge.
            obj._may_merge = request.user.has_perm(MERGE_PATIENTS)
            context["may_merge"] = obj._may_merge and obj.merged_into_id is None and not obj.is_erased
            context["may_book_course"] = (
                request.user.has_perm("scheduling.add_booking") and obj.merged_into_id is None and not obj.is_erased
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _bookings(self, patient: Patient) -> list[Booking]:
        if getattr(patient, "_history_bookings", None) is None:
            patient._history_bookings = list(history.bookings_of(patient))
        return patient._history_bookings

    @admin.display(description="Name", ordering="family_name")
    def name(self, patient: Patient) -> str:
        return patient.full_name or patient.reference

    @admin.display(description="Bookings")
    def bookings_count(self, patient: Patient) -> int:
        return patient.own_bookings + patient.merged_bookings

    @admin.display(description="Merged into")
    def merged_into_link(self, patient: Patient) -> str:
        return patient_link(patient.merged_into) if patient.merged_into else "-"

    @admin.display(description="Counts")
    def counts(self, patient: Patient) -> str:
        counted = history.Counts.of(self._bookings(patient))
        return format_html(
            "{} bookings, {} no-shows, {} late cancellations (by the patient, within the larger of the type's "
            "cutoff and 24 hours before the start)",
            counted.bookings,
            counted.no_shows,
            counted.late_cancellations,
        )

    @admin.display(description="Every booking")
    def bookings_table(self, patient: Patient) -> str:
        rows = [
            (
                booking_link(booking),
                clinic_time.for_staff(booking.starts_at),
                booking.appointment_type,
                booking.practitioner,
                booking.get_status_display() + (" (late)" if history.is_late_cancellation(booking) else ""),
            )
            for booking in self._bookings(patient)
        ]
        return table(("Booking", "Starts", "Type", "Practitioner", "Status"), rows, "patient-bookings")

    @admin.display(description="Courses of treatment")
    def courses_table(self, patient: Patient) -> str:
        courses = BookingSeries.objects.filter(patient__in=history_pks(patient)).select_related("appointment_type")
        courses = courses.annotate(visits=Count("bookings", filter=Q(bookings__status__in=Booking.BLOCKING)))
        rows = [
            (
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:scheduling_bookingseries_change", args=[series.pk]),
                    series.reference,
                ),
                series.appointment_type,
                pattern_in_words(series),
                series.visits,
                series.get_status_display(),
            )
            for series in courses.order_by("start_date")
        ]
        return table(("Course", "Type", "Pattern", "Visits standing", "Status"), rows, "patient-courses")

    @admin.display(description="Oldest first")
    def sections_tables(self, patient: Patient) -> str:
        pks = history_pks(patient)
        parts = []
        for section in SECTIONS.values():
            rows = section.rows(pks)
            columns = list(rows[0]) if rows else ["-"]
            cells = [tuple(shown_cell(row.get(column)) for column in columns) for row in rows]
            heads = [column.replace("_", " ").capitalize() for column in columns]
            parts.append(format_html("<h3>{}</h3>{}", section.title, table(heads, cells, f"patient-{section.name}")))
        return format_html_join("", "{}", ((part,) for part in parts))

    @admin.display(description="Merges")
    def merges_table(self, patient: Patient) -> str:
        now = clinic_time.now()
        merges = PatientMerge.objects.filter(Q(into=patient) | Q(merged=patient)).select_related("merged", "into")
        may_undo = getattr(patient, "_may_merge", False)
        rows = []
        for merge in merges:
            if merge.undone_at:
                state = f"undone {clinic_time.for_staff(merge.undone_at)} by {merge.undone_by}"
            elif may_undo and merging.can_unmerge(merge, now):
                url = reverse("admin:scheduling_patient_unmerge", args=[patient.pk])
                # Inside the change form: the button posts there with the form's CSRF token.
                state = format_html(
                    '<button type="submit" formaction="{}" name="merge" value="{}" class="button">Undo merge</button>',
                    url,
                    merge.pk,
                )
            else:
                state = f"can be undone until {clinic_time.for_staff(merging.unmerge_deadline(merge))}"
            rows.append(
                (
                    patient_link(merge.merged),
                    patient_link(merge.into),
                    clinic_time.for_staff(merge.merged_at),
                    merge.merged_by,
                    state,
                )
            )
        return table(("Merged", "Into", "When", "By", ""), rows, "patient-merges")

    @admin.display(description="Newest first")
    def reads_table(self, patient: Patient) -> str:
        seen = PatientDataRead.objects.filter(patient_id__in=history_pks(patient)).select_related("booking")[:200]
        rows = [
            (
                clinic_time.for_staff(read.at, seconds=True),
                read.actor_name,
                read.get_action_display(),
                read.get_channel_display(),
                read.booking.reference if read.booking else "",
            )
            for read in seen
        ]
        return table(("When", "Who", "Action", "Channel", "Booking"), rows, "patient-reads")

    def _reached(self, request, object_id) -> Patient:
        patient = self.get_object(request, unquote(object_id))
        if patient is None:
            raise Http404("No such patient.")
        return patient

    def merge_view(self, request, object_id):
        """Choose the other record, see both side by side, confirm."""
        if not request.user.has_perm(MERGE_PATIENTS):
            raise PermissionDenied
        merged = self._reached(request, object_id)
        form = MergeForm(request.POST or None)
        into = None
        if form.is_valid():
            into = self.get_queryset(request).filter(reference=form.cleaned_data["into"].strip()).first()
            if into is None:
                form.add_error("into", "No patient you can see has this reference.")
            elif form.cleaned_data["confirmed"]:
                return self._merge(request, merged, into)
        shown = [merged, *([into] if into else [])]
        access_log.record_patient_reads(request, shown, action=access_log.Action.VIEWED, channel=ADMIN)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Merge {merged} into another record",
            "original": merged,
            "form": form,
            "pair": side_by_side(merged, into) if into else None,
            "into": into,
            "unmerge_days": settings.PATIENT_UNMERGE_DAYS,
        }
        return TemplateResponse(request, "admin/scheduling/patient/merge.html", context)

    def _merge(self, request, merged: Patient, into: Patient):
        try:
            patients.merge(merged, into, by=request.user.get_username(), now=clinic_time.now())
        except BookingError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return redirect(reverse("admin:scheduling_patient_change", args=[merged.pk]))
        access_log.record_patient_reads(request, [merged], action=access_log.Action.MERGED, channel=ADMIN)
        self.message_user(request, f"{merged} ({merged.reference}) is now part of {into} ({into.reference}).")
        return redirect(reverse("admin:scheduling_patient_change", args=[into.pk]))

    def unmerge_view(self, request, object_id):
        """The merges table's "Undo merge" buttons: which merge comes in the POST (`merge`)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MERGE_PATIENTS):
            raise PermissionDenied
        patient = self._reached(request, object_id)
        merge_id = request.POST.get("merge", "")
        merge = (
            merge_id.isascii()
            and merge_id.isdigit()
            and PatientMerge.objects.filter(Q(into=patient) | Q(merged=patient), pk=merge_id).first()
        )
        if not merge:
            raise Http404("No such merge.")
        try:
            patients.unmerge(merge, by=request.user.get_username(), now=clinic_time.now())
        except BookingError as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            access_log.record_patient_reads(request, [merge.merged], action=access_log.Action.MERGED, channel=ADMIN)
            self.message_user(request, f"{merge.merged} is a record of its own again.")
        return redirect(reverse("admin:scheduling_patient_change", args=[patient.pk]))


def side_by_side(one: Patient, other: Patient) -> list[tuple[str, str, str]]:
    """(what, one's, other's) rows for two records staff compare."""
    theirs = {patient.pk: list(history.bookings_of(patient)) for patient in (one, other)}
    rows = [
        ("Reference", one.reference, other.reference),
        ("Name", one.full_name, other.full_name),
        ("Birth date", one.birth_date or "-", other.birth_date or "-"),
        ("E-mail", one.email or "-", other.email or "-"),
        ("Phone", one.phone or "-", other.phone or "-"),
        ("Bookings", len(theirs[one.pk]), len(theirs[other.pk])),
        ("Last visit", last_visit(theirs[one.pk]), last_visit(theirs[other.pk])),
    ]
    return [(what, str(mine), str(yours)) for what, mine, yours in rows]


class CandidateStatusFilter(FilterWithDefault):
    """Open ones unless asked otherwise: those are staff's work."""

    title = "status"
    parameter_name = "status"
    default = MatchCandidate.Status.OPEN

    def lookups(self, request, model_admin):
        return [*MatchCandidate.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        return queryset if self.chosen() == "all" else queryset.filter(status=self.chosen())


@admin.register(MatchCandidate)
class MatchCandidateAdmin(admin.ModelAdmin):
    """Possible duplicates: open ones first; each opens as the two records side by side."""

    list_display = ["patient", "existing", "shared", "status", "created_at"]
    list_filter = [CandidateStatusFilter]
    list_select_related = ["patient", "existing"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        reached = roles.patients_reached(request.user).values("pk")
        return super().get_queryset(request).filter(patient__in=reached, existing__in=reached)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", {}).get("cl")
        if listed is not None:
            shown = {p.pk: p for c in listed.result_list for p in (c.patient, c.existing)}
            access_log.record_patient_reads(request, shown.values(), action=access_log.Action.LISTED, channel=ADMIN)
        return response

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<path:object_id>/decide/", decide, name="scheduling_matchcandidate_decide"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, candidate):
            raise PermissionDenied
        access_log.record_patient_reads(
            request, [candidate.patient, candidate.existing], action=access_log.Action.VIEWED, channel=ADMIN
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Possible duplicate: the same person?",
            "original": candidate,
            "candidate": candidate,
            "pair": side_by_side(candidate.patient, candidate.existing),
            "may_decide": candidate.status == MatchCandidate.Status.OPEN and request.user.has_perm(MERGE_PATIENTS),
        }
        return TemplateResponse(request, "admin/scheduling/matchcandidate/compare.html", context)

    def decide_view(self, request, object_id):
        """The compare page's buttons: merge the newer record into the existing one, or not the same person."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(MERGE_PATIENTS):
            raise PermissionDenied
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404("No such possible duplicate.")
        by, now = request.user.get_username(), clinic_time.now()
        try:
            if "merge" in request.POST:
                # The existing record may have been merged since: the person is the record it is part of.
                patients.merge(candidate.patient, candidate.existing.merged_into or candidate.existing, by=by, now=now)
                access_log.record_patient_reads(
                    request, [candidate.patient], action=access_log.Action.MERGED, channel=ADMIN
                )
                self.message_user(request, f"{candidate.patient} is now part of {candidate.existing}.")
            else:
                patients.dismiss(candidate, by=by, now=now)
                self.message_user(request, "Marked as two different people.")
        except BookingError as refused:
            self.message_user(request, refused.message, messages.ERROR)
        return redirect(reverse("admin:scheduling_matchcandidate_changelist"))
