"""The patient's details and a cancellation, as forms whose errors name their field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import AppointmentType, Booking
from scheduling.patient_details import NameField, validate_birth_date, validate_email_address, validate_phone

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


class PatientDetailsForm(forms.Form):
    # Lengths and the phone rule are the model's, so the page accepts exactly what the API accepts.
    patient_name = NameField(label=_("Full name"), max_length=MODEL.get_field("patient_name").max_length)
    patient_email = forms.EmailField(
        label=_("E-mail"),
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
        for name, field in self.fields.items():
            field.widget.attrs["autocomplete"] = self.autocomplete[name]
        self.fields["patient_phone"].widget.input_type = "tel"


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling (optional)"),
        required=False,
        max_length=MODEL.get_field("cancellation_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


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
        label=_("E-mail"), validators=[validate_email_address], help_text=_("Offers of a time are sent here.")
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
