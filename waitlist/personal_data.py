"""The waitlist's personal data, for the core's registry (scheduling/privacy/registry.py): each entry's
name, e-mail and phone as the patient typed them, and the address of each e-mail about it."""

from __future__ import annotations

from scheduling import bookings
from scheduling.models import BookingEvent
from scheduling.privacy.registry import not_personal, register
from waitlist import line
from waitlist.models import Entry, FreedTime, Notice

Status = Notice.Status


def _blank_entries(entries) -> None:
    # Out of line first (an open offer is withdrawn and its time freed): nobody to offer time to any more.
    for entry in entries.filter(status=Entry.Status.WAITING):
        line.leave(entry, by=bookings.SYSTEM, via=BookingEvent.Channel.SYSTEM)
    entries.update(patient_name="", patient_email="", patient_phone="")


def register_personal_data() -> None:
    register(
        Entry,
        ["patient_name", "patient_email", "patient_phone"],
        lambda pks: Entry.objects.filter(patient_id__in=pks),
        blank=_blank_entries,
    )
    register(
        Notice,
        ["recipient"],
        lambda pks: Notice.objects.filter(entry__patient_id__in=pks),
        unsent=lambda notices: notices.filter(status=Status.PENDING),
        copies={"last_error": "the mail server's refusal, which quotes the address"},
    )
    not_personal(FreedTime, ["cause"], "what freed the time (a cancellation, time off), by booking reference")
    not_personal(FreedTime, ["last_error"], "why offering the time failed: the worker's, not a patient's")
