"""The desk's booking form: it checks a request against the same rules and calendars as the API, and
writes nothing; saving calls the booking service once (see BookingAdmin.save_model)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.core.exceptions import ValidationError

from scheduling import bookings, clinic_time
from scheduling.models import Booking
from scheduling.patient_details import NameField
from scheduling.rules import BookingError


def as_validation_error(form: forms.Form, error: BookingError) -> ValidationError:
    field = error.field if error.field in form.fields else None
    return ValidationError({field: error.message} if field else error.message)


class BookingAdminForm(forms.ModelForm):
    """Staff book and move appointments through the same rules as patients; conflicts are form errors."""

    date = forms.DateField(widget=AdminDateWidget, help_text="Clinic local date.")
    start_time = forms.TimeField(widget=AdminTimeWidget, input_formats=["%H:%M", "%H:%M:%S"], help_text="HH:MM")
    # The revision the page showed: saving applies only if nobody changed the booking since.
    seen_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set by BookingAdmin when saving lost a race after this form had checked out.
    lost_race: BookingError | None = None

    class Meta:
        model = Booking
        fields = [
            "appointment_type",
            "practitioner",
            "date",
            "start_time",
            "patient_name",
            "patient_email",
            "patient_phone",
            "reason_for_visit",
        ]
        field_classes = {"patient_name": NameField}  # normalised as every interface stores it

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            local_start = clinic_time.local(self.instance.starts_at)
            self.initial.setdefault("date", local_start.date())
            self.initial.setdefault("start_time", local_start.time())
            self.initial.setdefault("seen_revision", self.instance.revision)
        elif "practitioner" in self.fields:
            self.fields["practitioner"].required = False
            self.fields["practitioner"].help_text = "Leave empty to give it to any free practitioner."

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.lost_race:
            raise as_validation_error(self, self.lost_race)
        try:
            if self.instance.pk is None:
                requested = bookings.RequestedSlot(
                    cleaned["appointment_type"], cleaned["date"], cleaned["start_time"], cleaned.get("practitioner")
                )
                bookings.free_practitioners(requested, now=clinic_time.now())
            elif "date" in self.fields and self.moved():
                requested = bookings.RequestedSlot(
                    self.instance.appointment_type,
                    cleaned["date"],
                    cleaned["start_time"],
                    cleaned.get("practitioner") or self.instance.practitioner,
                )
                bookings.free_practitioners(requested, now=clinic_time.now(), ignoring=self.instance)
        except BookingError as error:
            raise as_validation_error(self, error) from None
        return cleaned

    def moved(self) -> bool:
        """Whether the form asks for another time or practitioner than the booking has."""
        saved = Booking.objects.get(pk=self.instance.pk)
        local_start = clinic_time.local(saved.starts_at)
        cleaned = self.cleaned_data
        return (
            cleaned["date"] != local_start.date()
            or cleaned["start_time"].replace(second=0) != local_start.time()
            or (cleaned.get("practitioner") or saved.practitioner) != saved.practitioner
        )
