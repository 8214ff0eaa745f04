"""The patient's details and a cancellation, as forms whose errors name their field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import Booking
from scheduling.patient_details import NameField, validate_email_address

MODEL = Booking._meta


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
        validators=MODEL.get_field("patient_phone").validators,
        help_text=_("In case the clinic needs to reach you."),
    )
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
        "reason_for_visit": "off",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        validators=MODEL.get_field("patient_phone").validators,
    )

    autocomplete = {**PatientDetailsForm.autocomplete, "earliest_date": "off", "latest_date": "off"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PREFILLED:
            self.fields[name].widget.attrs["autocomplete"] = self.autocomplete[name]
        self.fields["patient_phone"].widget.input_type = "tel"


PREFILLED = ("patient_name", "patient_email", "patient_phone")
