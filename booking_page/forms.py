"""The patient's details and a cancellation, as forms whose errors name their field."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from booking_page import intake_form
from booking_page.limits import show_limit
from scheduling.models import AppointmentType, Booking, questions_of
from scheduling.patient_details import NameField, validate_birth_date, validate_email_address, validate_phone
from scheduling.rules import BookingRuleBroken

MODEL = Booking._meta
# The model's format rule, and a number that can be called (scheduling.patient_details.validate_phone).
PHONE_VALIDATORS = [*MODEL.get_field("patient_phone").validators, validate_phone]


def birth_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("Date of birth (optional)"),
        required=False,
        validators=[validate_birth_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Helps the clinic tell apart people who share an e-mail address or phone."),
    )


def ask_birth_date_as(form: forms.Form, appointment_type: AppointmentType | None) -> None:
    """The date of birth is required when the appointment type asks for it (its label then drops "optional")."""
    if appointment_type is not None and appointment_type.requires_birth_date:
        field = form.fields["patient_birth_date"]
        field.required = True
        field.label = _("Date of birth")


TOO_LONG = _("%(label)s can be at most %(limit)d characters; this has %(show_value)d. Please shorten it.")


def say_limits(form: forms.Form) -> None:
    """Each text field with a limit says it in its hint (a counter on the page counts down to it) and
    refuses longer text naming the field."""
    for field in form.fields.values():
        limit = getattr(field, "max_length", None)
        if not limit or not isinstance(field, forms.CharField):
            continue
        show_limit(field, limit)
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(limit, message=_too_long(field.label, limit)))


def _too_long(label, limit: int) -> str:
    # MaxLengthValidator fills in show_value (the length sent); the label and limit are known now.
    return str(TOO_LONG).replace("%(label)s", str(label)).replace("%(limit)d", str(limit))


class PatientDetailsForm(forms.Form):
    # Lengths and the phone rule are the model's, so the page accepts exactly what the API accepts.
    patient_name = NameField(label=_("Full name"), max_length=MODEL.get_field("patient_name").max_length)
    patient_email = forms.EmailField(
        label=_("E-mail"),
        max_length=MODEL.get_field("patient_email").max_length,
        validators=[validate_email_address],
        help_text=_("Your confirmation and reminders are sent here."),
    )
    patient_phone = forms.CharField(
        label=_("Phone"),
        max_length=MODEL.get_field("patient_phone").max_length,
        validators=PHONE_VALIDATORS,
        help_text=_("In case the clinic needs to reach you."),
    )
    patient_birth_date = birth_date_field()
    reason_for_visit = forms.CharField(
        label=_("Reason for visit (optional)"),
        required=False,
        max_length=MODEL.get_field("reason_for_visit").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the clinic's staff see this."),
    )

    autocomplete = {
        "patient_name": "name",
        "patient_email": "email",
        "patient_phone": "tel",
        "patient_birth_date": "bday",
        "reason_for_visit": "off",
    }

    def __init__(self, *args, appointment_type: AppointmentType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ask_birth_date_as(self, appointment_type)
        say_limits(self)
        for name, field in self.fields.items():
            field.widget.attrs["autocomplete"] = self.autocomplete[name]
        self.fields["patient_phone"].widget.input_type = "tel"
        # The type's intake questions, after the patient's own fields.
        self.questions = questions_of(appointment_type) if appointment_type is not None else []
        intake_form.add_question_fields(self, self.questions)

    def clean(self):
        data = super().clean()
        data["answers"] = intake_form.check_answers(self, self.questions)
        return data

    def add_refusal(self, broken: BookingRuleBroken) -> None:
        intake_form.add_refusal(self, broken)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling (optional)"),
        required=False,
        max_length=MODEL.get_field("cancellation_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_limits(self)


class WaitlistForm(forms.Form):
    """Joining the waitlist: the days (and perhaps times of day) that would do, and how to reach the
    patient. The rules are the API's (waitlist.line.Wish.check), reported on the field they concern."""

    earliest_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    latest_date = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Inclusive.")
    )
    earliest_time = forms.TimeField(
        label=_("Not before (optional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    latest_time = forms.TimeField(
        label=_("Finished by (optional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    patient_name = PatientDetailsForm.base_fields["patient_name"]
    patient_email = forms.EmailField(
        label=_("E-mail"),
        max_length=MODEL.get_field("patient_email").max_length,
        validators=[validate_email_address],
        help_text=_("Offers of a time are sent here."),
    )
    patient_phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=MODEL.get_field("patient_phone").max_length,
        validators=PHONE_VALIDATORS,
    )
    patient_birth_date = birth_date_field()

    autocomplete = {**PatientDetailsForm.autocomplete, "earliest_date": "off", "latest_date": "off"}

    def __init__(self, *args, appointment_type: AppointmentType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ask_birth_date_as(self, appointment_type)
        say_limits(self)
        for name in PREFILLED:
            self.fields[name].widget.attrs["autocomplete"] = self.autocomplete[name]
        self.fields["patient_phone"].widget.input_type = "tel"


PREFILLED = ("patient_name", "patient_email", "patient_phone", "patient_birth_date")


class ManageCodeForm(forms.Form):
    """The code the clinic read out (tokens.manage_code): any case, with or without the dash."""

    code = forms.CharField(
        label=_("Your booking code"),
        max_length=20,
        help_text=_("Eight letters and digits, such as K7QM-2XPA, given by the clinic."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


WEEKDAY_CHOICES = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]
INTERVAL_CHOICES = [(1, _("Every week")), (2, _("Every 2 weeks")), (3, _("Every 3 weeks")), (4, _("Every 4 weeks"))]
ENDS_AFTER, ENDS_ON = "count", "until"
ON_CONFLICT_CHOICES = [
    ("skip", _("Skip them and book the other dates")),
    ("extend", _("Add as many dates at the end of the course instead")),
    ("fail", _("Book nothing unless every date can be booked")),
]


class CourseForm(forms.Form):
    """What a patient asks for a course of visits. It only reads the values; the course's rules (how many
    visits, weekdays, the slot grid, the end date) are the core's (scheduling.bookings.series.check_plan),
    whose errors the view puts on the field they name."""

    practitioner = forms.ChoiceField(label=_("Who would you like to see?"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On which days of the week?"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One to three days."),
    )
    start_time = forms.TimeField(label=_("At what time?"), widget=forms.TimeInput(attrs={"type": "time"}))
    interval = forms.TypedChoiceField(label=_("How often?"), choices=INTERVAL_CHOICES, coerce=int, initial=1)
    start_date = forms.DateField(
        label=_("Starting from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends = forms.ChoiceField(
        label=_("The course ends"),
        choices=[(ENDS_AFTER, _("After so many visits")), (ENDS_ON, _("On a last day"))],
        initial=ENDS_AFTER,
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(
        label=_("Number of visits"),
        required=False,
        initial=8,
        widget=forms.NumberInput(attrs={"min": 2, "max": 52, "inputmode": "numeric"}),
        help_text=_("2 to 52."),
    )
    until = forms.DateField(
        label=_("Last day of the course"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    on_conflict = forms.ChoiceField(
        label=_("If a date cannot be booked"),
        choices=ON_CONFLICT_CHOICES,
        initial="skip",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, practitioners=(), step_minutes: int = 15, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", _("Any available practitioner"))] + [
            (p.slug, p.name) for p in practitioners
        ]
        self.fields["start_time"].widget.attrs["step"] = step_minutes * 60
        for name in ("start_time", "start_date", "count", "until"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        # Only the end the patient chose counts; the other box may still hold what they typed first.
        if data.get("ends") == ENDS_ON:
            data["count"] = None
            if data.get("until") is None and "until" not in self.errors:
                self.add_error("until", _("Give the course's last day."))
        elif data.get("ends") == ENDS_AFTER:
            data["until"] = None
            if data.get("count") is None and "count" not in self.errors:
                self.add_error("count", _("Give the number of visits."))
        return data
