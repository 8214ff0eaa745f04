"""The admin's side of a schedule change (scheduling/schedule_changes.py): a closure, time off or new hours
that strand bookings re-render their form with a panel listing each, with a choice for each (cancel and
notify, move to a free time, offer new times, keep), an "apply to all" choice and a reason for patients.
Nothing is saved until every booking has an answer. Plain form fields: it works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.forms import BaseInlineFormSet, ModelForm
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize

from scheduling import access_log, bookings, cache, clinic_time, guards, roles, schedule_changes
from scheduling.models import BookingEvent, OpeningHours, overlapping_hours
from scheduling.rules import BookingError
from scheduling.schedule_changes import (
    ACTIONS,
    DEFAULT_ACTIONS,
    MOVE,
    Decision,
    Decisions,
    FreeTime,
    ScheduleChange,
    Stranded,
)

DEFAULT_FIELD = "decision-default"
REASON_FIELD = "schedule-reason"
SHOWN_FIELD = "schedule-shown"
REASON_LIMIT = 400


def _decision_field(reference: str) -> str:
    return f"decision-{reference}"


def _move_field(reference: str) -> str:
    return f"move-{reference}"


@dataclass(frozen=True)
class PanelRow:
    """One stranded booking as the panel shows it."""

    stranded: Stranded
    when: str
    patient: str
    chosen: str
    options: list[FreeTime]
    chosen_move: str
    decision_field: str
    move_field: str


@dataclass(frozen=True)
class Panel:
    rows: list[PanelRow]
    default: str
    reason: str
    actions: dict[str, str]
    default_actions: dict[str, str]
    default_field: str = DEFAULT_FIELD
    reason_field: str = REASON_FIELD


class ScheduleCheck:
    """What a form learns about the bookings its change strands: the panel, the decisions, the errors."""

    def __init__(self, change: ScheduleChange, data, user):
        self.change = change
        now = clinic_time.now()
        self.stranded = schedule_changes.affected(change, now)
        self.decisions = Decisions()
        self.reason = (data.get(REASON_FIELD) or "").strip()[:REASON_LIMIT]
        self.panel: Panel | None = None
        self.errors: list[str] = []
        if not self.stranded:
            return
        free = schedule_changes.free_times(change, self.stranded, now)
        default = data.get(DEFAULT_FIELD, "")
        each: dict[str, Decision] = {}
        rows = []
        for hit in self.stranded:
            chosen, chosen_move = data.get(_decision_field(hit.reference), ""), data.get(_move_field(hit.reference), "")
            options = free.get(hit.reference, [])
            if chosen == MOVE:
                target = next((o for o in options if o.key == chosen_move), None)
                if target is None:
                    self.errors.append(f"{schedule_changes.describe(hit)}: choose a free time to move it to.")
                else:
                    each[hit.reference] = Decision(MOVE, target.start, target.practitioner)
            elif chosen in ACTIONS:
                each[hit.reference] = Decision(chosen)
            rows.append(
                PanelRow(
                    hit,
                    clinic_time.for_staff(hit.booking.starts_at),
                    _patient(hit, user),
                    chosen,
                    options,
                    chosen_move,
                    _decision_field(hit.reference),
                    _move_field(hit.reference),
                )
            )
        moves = [(d.starts_at, d.practitioner.pk) for d in each.values() if d.action == MOVE]
        if len(moves) != len(set(moves)):
            self.errors.append("Two bookings cannot move to the same time with the same practitioner.")
        self.decisions = Decisions(each, Decision(default) if default in DEFAULT_ACTIONS else None)
        missing = schedule_changes.unanswered(self.stranded, self.decisions)
        if missing or SHOWN_FIELD not in data:  # even holds alone are shown before anything is saved
            self.errors.insert(
                0,
                f"This change strands {len(self.stranded)} booking{pluralize(len(self.stranded))}: choose what happens "
                f"to each below "
                f"({len(missing)} without an answer), then save again. Nothing was saved.",
            )
        self.panel = Panel(rows, default, self.reason, ACTIONS, {a: ACTIONS[a] for a in DEFAULT_ACTIONS})

    def shown_bookings(self, user):
        return [hit.booking for hit in self.stranded if not hit.is_hold and roles.reaches_booking(user, hit.booking)]

    def apply(self, request, stranded_by: str) -> None:
        """Save the change and carry out the decisions, then tell staff what became of the bookings
        `stranded_by` ("the new hours") stranded; ScheduleChangeRefused, nothing saved, if one could not be."""
        try:
            applied = schedule_changes.apply(
                self.change,
                self.decisions,
                by=bookings.Actor.staff(request.user),
                via=BookingEvent.Channel.ADMIN,
                reason=self.reason,
            )
        except BookingError as error:
            raise ScheduleChangeRefused(error.message) from None
        done = ", ".join(f"{n} {what}" for what, n in _counted(applied.outcomes.values()).items())
        messages.info(request, f"Bookings {stranded_by} stranded: {done}.")


def _patient(hit: Stranded, user) -> str:
    if hit.is_hold:
        return "a patient choosing this time (hold): it will be released"
    if not roles.reaches_booking(user, hit.booking):
        return "(another practitioner's patient)"
    return hit.booking.patient_name


class ScheduleChangeRefused(Exception):
    """The change could not be applied after the form was valid (a time was taken meanwhile)."""


class ScheduleChangeForm(ModelForm):
    """A closure's or time off's form: valid only once every booking it strands has an answer."""

    request = None  # set by ScheduleChangeAdmin.get_form
    schedule_check: ScheduleCheck | None = None

    def schedule_change(self) -> ScheduleChange:
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()  # the instance now has the form's values
        if self.errors:
            return
        self.schedule_check = ScheduleCheck(self.schedule_change(), self.data, getattr(self.request, "user", None))
        for error in self.schedule_check.errors:
            self.add_error(None, error)


class ClinicClosureForm(ScheduleChangeForm):
    def schedule_change(self) -> ScheduleChange:
        return ScheduleChange.closure(self.instance)


class TimeOffForm(ScheduleChangeForm):
    def schedule_change(self) -> ScheduleChange:
        return ScheduleChange.time_off(self.instance)


class ScheduleChangeAdmin:
    """For a ModelAdmin whose form is a ScheduleChangeForm: the panel, saving through `apply`."""

    change_form_template = "admin/scheduling/schedule_change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def render_change_form(self, request, context, *args, **kwargs):
        checks = [getattr(context["adminform"].form, "schedule_check", None)] if "adminform" in context else []
        checks += [getattr(f.formset, "schedule_check", None) for f in context.get("inline_admin_formsets", [])]
        checks = [check for check in checks if check is not None and check.panel is not None]
        for check in checks:
            access_log.record_staff_reads(
                request,
                check.shown_bookings(request.user),
                action=access_log.Action.LISTED,
                channel=access_log.Channel.ADMIN,
            )
        context["schedule_panels"] = [check.panel for check in checks]
        return super().render_change_form(request, context, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        check = getattr(form, "schedule_check", None)
        if check is None or not check.stranded:
            obj.save()
            return
        check.apply(request, stranded_by="it")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ScheduleChangeRefused as refused:  # the admin's transaction rolled everything back
            messages.error(request, f"Nothing was saved: {refused}")
            return redirect(request.get_full_path())
        except IntegrityError as error:  # hours saved meanwhile by someone else: the database's guard said no
            if not guards.is_hours_overlap(error):
                raise
            messages.error(request, "Nothing was saved: these hours overlap hours saved meanwhile. Check them again.")
            return redirect(request.get_full_path())


OUTCOMES = {
    "cancel": "cancelled and notified",
    "move": "moved and notified",
    "offer": "offered new times",
    "keep": "kept",
    "released": "patients' holds released",
}


def _counted(outcomes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[OUTCOMES[outcome]] = counts.get(OUTCOMES[outcome], 0) + 1
    return counts


class OpeningHoursFormSet(BaseInlineFormSet):
    """A practitioner's weekly hours, checked together: no two intervals of one weekday overlap, and new
    hours that strand bookings need an answer for each (one form cannot see its siblings)."""

    request = None  # set by OpeningHoursInline.get_formset
    schedule_check: ScheduleCheck | None = None

    def intervals(self) -> list[tuple]:
        kept = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            data = form.cleaned_data
            kept.append((data.get("weekday"), data.get("opens_at"), data.get("closes_at")))
        return kept

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        intervals = self.intervals()
        overlap = overlapping_hours(intervals)
        if overlap:
            raise ValidationError(overlap, code="hours_overlap")
        if self.instance.pk is None or not self.has_changed():
            return
        change = ScheduleChange.new_hours(self.instance, intervals, save=lambda: self.replace_hours(intervals))
        self.schedule_check = ScheduleCheck(change, self.data, getattr(self.request, "user", None))
        if self.schedule_check.errors:
            raise ValidationError(self.schedule_check.errors)

    def replace_hours(self, intervals) -> None:
        """Saved as a whole: row by row, an interval moved into the old place of its neighbour would
        overlap it for a moment, and the database's guard would refuse it."""
        OpeningHours.objects.filter(practitioner=self.instance).delete()
        cache.changed(cache.REFERENCE)  # bulk_create sends no post_save
        OpeningHours.objects.bulk_create(
            OpeningHours(practitioner=self.instance, weekday=day, opens_at=opens, closes_at=closes)
            for day, opens, closes in intervals
        )
        # What the admin's change message reads from a saved formset.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []

    def save_schedule(self, request) -> None:
        """Save the hours (carrying out the decisions for the bookings they strand)."""
        check = self.schedule_check
        if check is not None and check.stranded:
            check.apply(request, stranded_by="the new hours")
        elif self.has_changed():
            self.replace_hours(self.intervals())
        else:
            self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
