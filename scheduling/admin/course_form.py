"""The desk's form for a course of treatment: the dates asked for, checked as the core checks them. It
writes nothing; its plan goes to `preview` and, once staff saw the dates, to `book_course`."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.admin.widgets import AdminDateWidget

from scheduling import clinic_time
from scheduling.admin.forms import as_validation_error
from scheduling.bookings.series import CoursePlan
from scheduling.models import (
    ISO_WEEKDAYS,
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_WEEKDAYS,
    MIN_COUNT,
    AppointmentType,
    Booking,
    BookingSeries,
    OnConflict,
)
from scheduling.rules import BookingError
from scheduling.slots.recurrence import Recurrence

WEEKDAYS = ISO_WEEKDAYS
EVERY = [(1, "Every week"), *((n, f"Every {n} weeks") for n in range(2, MAX_INTERVAL + 1))]


class CourseForm(forms.Form):
    """Type, practitioner (or any), the weekly pattern, how many visits, and what to do with taken dates."""

    patient = forms.CharField(
        label="Patient (reference)",
        max_length=32,
        help_text="The patient's pt_… reference; their page's “Book a course” fills it in.",
    )
    appointment_type = forms.ModelChoiceField(AppointmentType.objects.filter(is_active=True), label="Type")
    practitioner = forms.ModelChoiceField(
        None, required=False, empty_label="Any free practitioner (the same one preferred)"
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"1 to {MAX_WEEKDAYS} days of the week.",
        error_messages={"required": "Choose at least one weekday."},
    )
    start_time = forms.TimeField(
        label="Time", input_formats=["%H:%M", "%H:%M:%S"], help_text="The clinic's local time of every visit, HH:MM."
    )
    start_date = forms.DateField(widget=AdminDateWidget, help_text="The first day a visit may fall on.")
    interval = forms.TypedChoiceField(label="Repeat", choices=EVERY, coerce=int, initial=1)
    count = forms.IntegerField(
        label="Number of visits",
        required=False,
        help_text=f"{MIN_COUNT} to {MAX_COUNT}; or leave empty and give a last date.",
    )
    until = forms.DateField(
        label="Or until", required=False, widget=AdminDateWidget, help_text="The last day a visit may fall on."
    )
    on_conflict = forms.ChoiceField(
        label="Dates that cannot be booked",
        choices=OnConflict.choices,
        initial=OnConflict.FAIL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, practitioners, any_practitioner_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners
        # "Any free practitioner" could be another's calendar, which this staff member could not open.
        self.fields["practitioner"].required = not any_practitioner_allowed

    def plan(self) -> CoursePlan:
        data = self.cleaned_data
        recurrence = Recurrence(
            first_day=data["start_date"],
            weekdays=tuple(sorted(data["weekdays"])),
            wall_time=data["start_time"],
            interval=data["interval"],
            count=data.get("count"),
            until=data.get("until"),
        )
        return CoursePlan(data["appointment_type"], recurrence, data.get("practitioner"), data["on_conflict"])

    def refuse(self, error: BookingError) -> None:
        """The core's refusal shown on the field it names (or above the form)."""
        self.add_error(None, as_validation_error(self, error))


def initial_for(*, patient=None, booking: Booking | None = None, today: date | None = None) -> dict:
    """The form as "Book a course" opens it: the patient's, and from a booking its type, practitioner,
    weekday and time, from the week after it (never before today)."""
    today = today or clinic_time.today()
    initial = {"start_date": today + timedelta(days=1), "interval": 1, "on_conflict": OnConflict.FAIL}
    if patient is not None:
        initial["patient"] = patient.reference
    if booking is not None:
        start = clinic_time.local(booking.starts_at)
        initial.update(
            appointment_type=booking.appointment_type_id,
            practitioner=booking.practitioner_id,
            weekdays=[start.isoweekday()],
            start_time=start.strftime("%H:%M"),
            start_date=max(start.date() + timedelta(days=7), today + timedelta(days=1)),
        )
    return initial


DAY_NAMES = dict(WEEKDAYS)


def pattern_in_words(series: BookingSeries) -> str:
    """ "Tuesdays 09:00, weekly, 8 visits", as the desk says it."""
    days = [f"{DAY_NAMES[day]}s" for day in series.weekdays]
    on = days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"
    every = "weekly" if series.interval == 1 else f"every {series.interval} weeks"
    visits = f"{series.count} visits" if series.count else f"until {series.until:%d %b %Y}"
    return f"{on} {series.start_time:%H:%M}, {every}, {visits}"
