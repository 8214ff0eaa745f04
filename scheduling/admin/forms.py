"""The desk's booking form: it checks a request against the same rules and calendars as the API, and
writes nothing; saving calls the booking service once (see BookingAdmin.save_model)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError

from scheduling import bookings, clinic_time
from scheduling.admin.start_times import StartTimeInput, start_times_for
from scheduling.models import Booking, ResourcePool
from scheduling.patient_details import NameField, validate_birth_date, validate_phone
from scheduling.rules import BookingError, ResourceTaken

OFF_GRID_PERMISSION = "scheduling.book_off_grid"


def as_validation_error(form: forms.Form, error: BookingError) -> ValidationError:
    field = error.field if error.field in form.fields else None
    return ValidationError({field: error.message} if field else error.message)


# The desk's choice of unit per pool: one select each, named after the pool's slug.
UNIT_FIELD = "unit__"


def unit_fields() -> dict[str, forms.ChoiceField]:
    """An optional select of each pool an active type needs, its active units to choose from."""
    pools = ResourcePool.objects.filter(requirements__appointment_type__is_active=True).distinct()
    return {
        f"{UNIT_FIELD}{pool.slug}": forms.ChoiceField(
            label=pool.name,
            required=False,
            choices=[("", "Any free one"), *((unit.slug, unit.name) for unit in pool.members.all() if unit.is_active)],
            help_text="Only for a type that needs it; leave as it is to let the clinic assign one.",
        )
        for pool in pools.prefetch_related("members")
    }


def taken_with_alternatives(error: ResourceTaken) -> str:
    """The engine's refusal, and what would do instead, as one line of the form's errors."""
    instead = "; ".join(
        f"{alternative['start_time']} with "
        + ", ".join(unit for units in alternative["resources"].values() for unit in units)
        for alternative in error.alternatives
    )
    return f"{error.message} Free instead: {instead}." if instead else error.message


class BookingAdminForm(forms.ModelForm):
    """Staff book and move appointments through the same rules as patients; conflicts are form errors."""

    date = forms.DateField(widget=AdminDateWidget, help_text="Clinic local date.")
    start_time = forms.TimeField(widget=StartTimeInput, input_formats=["%H:%M", "%H:%M:%S"], help_text="HH:MM")
    # The revision the page showed: saving applies only if nobody changed the booking since.
    seen_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Only for staff holding "book_off_grid" (removed for everyone else): asked for each time, so a typo
    # never books off the grid by itself.
    off_grid = forms.BooleanField(
        required=False,
        label="Book off the slot grid",
        help_text="Accept a start time off the type's slot grid or outside opening hours (never over another booking).",
    )
    # Set by BookingAdmin when saving lost a race after this form had checked out.
    lost_race: BookingError | None = None
    # Whether "any free practitioner" may be asked for: only by staff who see every practitioner's bookings.
    any_practitioner_allowed = True
    # Whether a start off the type's slot grid or outside hours is accepted (never an overlapping one).
    off_grid_allowed = False

    class Meta:
        model = Booking
        # `date` and `start_time` are the form's own fields, not the model's: listed here, the admin could not
        # make them read-only (it rebuilds the form without them, and Meta would name fields nobody has).
        fields = [
            "appointment_type",
            "practitioner",
            "patient_name",
            "patient_email",
            "patient_phone",
            "patient_birth_date",
            "reason_for_visit",
        ]
        field_classes = {"patient_name": NameField}  # normalised as every interface stores it
        widgets = {"patient_birth_date": AdminDateWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model keeps the snapshot as typed; what the desk types is checked as every interface checks it.
        if "patient_phone" in self.fields:
            self.fields["patient_phone"].validators.append(validate_phone)
        if "patient_birth_date" in self.fields:
            self.fields["patient_birth_date"].validators.append(validate_birth_date)
        if self.instance.pk:
            local_start = clinic_time.local(self.instance.starts_at)
            self.initial.setdefault("date", local_start.date())
            self.initial.setdefault("start_time", local_start.time())
            self.initial.setdefault("seen_revision", self.instance.revision)
        elif "practitioner" in self.fields and self.any_practitioner_allowed:
            self.fields["practitioner"].required = False
            self.fields["practitioner"].help_text = "Leave empty to give it to any free practitioner."
        if not self.off_grid_allowed:
            self.fields.pop("off_grid", None)
        if self.instance.pk is None and "start_time" in self.fields:
            # The valid starts for the type, practitioner and day chosen so far: the desk picks, never guesses.
            if self.data.get("_show_times"):  # asks for the list, so no start time yet is no error of its own
                self.fields["start_time"].required = False
            widget = self.fields["start_time"].widget
            widget.listed, widget.start_times = True, start_times_for(self.data if self.is_bound else self.initial)

    def pinned_units(self) -> dict[str, str]:
        """{pool slug: unit slug} of the units the desk chose."""
        return {
            name.removeprefix(UNIT_FIELD): value
            for name, value in self.cleaned_data.items()
            if name.startswith(UNIT_FIELD) and value
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.lost_race:
            raise as_validation_error(self, self.lost_race)
        if self.data.get("_show_times"):  # the no-JavaScript "Show times": the form comes back with them listed
            raise ValidationError({"start_time": "Choose one of the start times listed."})
        try:
            if self.instance.pk is None:
                requested = bookings.RequestedSlot(
                    cleaned["appointment_type"], cleaned["date"], cleaned["start_time"], cleaned.get("practitioner")
                )
                self.check_free(requested, resources=self.pinned_units())
                bookings.PatientDetails.named_in(cleaned).check_asked_by(cleaned["appointment_type"])
            elif "date" in self.fields and self.moved():
                requested = bookings.RequestedSlot(
                    self.instance.appointment_type,
                    cleaned["date"],
                    cleaned["start_time"],
                    cleaned.get("practitioner") or self.instance.practitioner,
                )
                self.check_free(requested, ignoring=self.instance)
        except ResourceTaken as taken:
            raise ValidationError(taken_with_alternatives(taken)) from None
        except BookingError as error:
            raise as_validation_error(self, error) from None
        return cleaned

    def check_free(
        self, requested: bookings.RequestedSlot, ignoring: Booking | None = None, resources: dict | None = None
    ) -> None:
        """BookingError unless the time is free; off the slot grid only when staff allowed to book there ask
        for it, and then `cleaned_data["off_grid"]` stays True and saving records it in the history."""
        now = clinic_time.now()
        asked = bool(self.off_grid_allowed and self.cleaned_data.get("off_grid"))
        self.cleaned_data["off_grid"] = False
        try:
            bookings.free_practitioners(requested, now=now, ignoring=ignoring, resources=resources)
        except BookingError as error:
            if error.code != "not_a_slot" or not asked:
                raise
            bookings.free_practitioners(requested, now=now, ignoring=ignoring, off_grid=True, resources=resources)
            self.cleaned_data["off_grid"] = True

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
