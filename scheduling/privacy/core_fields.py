"""The core's own personal data, for the registry (scheduling/privacy/registry.py): the patient's record,
each booking's snapshot of what the patient typed, the history's before/after values of those, the stored
answers of idempotent requests, merges' snapshots, and the admin's log of changes (it names what it
changed). Also what merely looks personal in the core and in Django's and the libraries' own tables.
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from scheduling.bookings.writes import PATIENT_FIELDS
from scheduling.models import (
    AppointmentType,
    Booking,
    BookingEvent,
    Clinic,
    ClinicClosure,
    IdempotencyRecord,
    MatchCandidate,
    Patient,
    PatientDataRead,
    PatientErasure,
    PatientMerge,
    Practitioner,
    PrivacyRequest,
    TimeOff,
)
from scheduling.privacy.registry import REGISTRY, not_personal, register

# The history's values that are the patient's: what they typed, and why a booking was cancelled.
PERSONAL_CHANGES = frozenset({*PATIENT_FIELDS, "cancellation_reason"})


def bookings_of(pks: list[int]):
    return Booking.objects.filter(patient_id__in=pks)


def _blank_events(events) -> None:
    # Each event's changes keep their keys and the appointment's own values (status, times, practitioner):
    # the history still says what happened to the appointment, not who it was for.
    for pk, changes in events.values_list("pk", "changes"):
        kept = {name: (["", ""] if name in PERSONAL_CHANGES else values) for name, values in (changes or {}).items()}
        BookingEvent.objects.filter(pk=pk).update(changes=kept, reason="")


def _answers_about(pks: list[int]):
    references = list(bookings_of(pks).values_list("reference", flat=True))
    if not references:
        return IdempotencyRecord.objects.none()
    mentions = Q()
    for reference in references:
        mentions |= Q(body_text__contains=reference)
    return IdempotencyRecord.objects.annotate(body_text=Cast("response_body", TextField())).filter(mentions)


def _merges_of(pks: list[int]):
    return PatientMerge.objects.filter(Q(merged_id__in=pks) | Q(into_id__in=pks))


def _blank_merges(merges) -> None:
    # What undoing needs besides the record's own fields (which records moved, which candidates) stays.
    for merge in merges:
        snapshot = dict(merge.snapshot or {})
        snapshot["into"] = {name: None for name in snapshot.get("into") or {}}
        PatientMerge.objects.filter(pk=merge.pk).update(snapshot=snapshot)


def _admin_log_of(pks: list[int]):
    """The admin's log rows about any registered row of these patients: each names its object as str()
    does (a patient's name, a waitlist entry's, a message's address)."""
    about = Q()
    for entry in REGISTRY.values():
        if entry.model is LogEntry:
            continue
        object_ids = [str(pk) for pk in entry.rows(pks).values_list("pk", flat=True)]
        if object_ids:
            content_type = ContentType.objects.get_for_model(entry.model)
            about |= Q(content_type=content_type, object_id__in=object_ids)
    return LogEntry.objects.filter(about) if about else LogEntry.objects.none()


def register_core() -> None:
    register(
        Patient,
        ["given_name", "family_name", "birth_date", "email", "phone", "preferred_language"],
        lambda pks: Patient.objects.filter(pk__in=pks),
        copies={"name_key": "the name, as matching compares it"},
    )
    register(
        Booking,
        [*PATIENT_FIELDS, "intake_answers", "cancellation_reason"],
        bookings_of,
    )
    register(
        BookingEvent,
        ["reason", "changes"],
        lambda pks: BookingEvent.objects.filter(booking__patient_id__in=pks),
        blank=_blank_events,
    )
    register(
        PrivacyRequest,
        ["staff_note"],
        lambda pks: PrivacyRequest.objects.filter(patient_id__in=pks),
    )
    register(
        IdempotencyRecord,
        [],
        _answers_about,
        blank=lambda rows: IdempotencyRecord.objects.filter(pk__in=rows.values("pk")).update(response_body={}),
        copies={"response_body": "a booking's answer as first sent, replayed to a retry"},
    )
    register(
        PatientMerge,
        [],
        _merges_of,
        blank=_blank_merges,
        copies={"snapshot": "the record's own fields before a merge, to undo it"},
    )
    register(
        LogEntry,
        [],
        _admin_log_of,
        blank=lambda rows: rows.update(object_repr=""),
        copies={"object_repr": "the name of a registered row, as str() gives it"},
    )

    staff = "a staff member's, not a patient's"
    not_personal(Patient, ["reference"], "a random reference: the erased record keeps it, as appointments do")
    not_personal(Booking, ["reference"], "a random reference the appointment keeps for the retention period")
    not_personal(BookingEvent, ["actor_name"], "the staff member or integration that made the change")
    not_personal(MatchCandidate, ["shared"], "which kind of detail two records share (e-mail, phone), not its value")
    not_personal(MatchCandidate, ["resolved_by"], staff)
    not_personal(PatientMerge, ["merged_by", "undone_by"], staff)
    not_personal(PatientDataRead, ["actor_name", "client_address"], "the reader: a staff member or a feed")
    not_personal(IdempotencyRecord, ["request_digest"], "a digest of the request, not the request")
    not_personal(Clinic, ["name", "address", "phone", "sender_email"], "the clinic's own details")
    not_personal(AppointmentType, ["name"], "the catalogue")
    not_personal(
        "scheduling.IntakeQuestion",
        ["label", "help_text", "choices"],
        "a question the clinic asks: its answers are the bookings'",
    )
    not_personal(Practitioner, ["name"], "the practitioner's working name, shown to every patient")
    not_personal(TimeOff, ["reason"], "why a practitioner is away: staff's")
    not_personal("scheduling.Resource", ["name"], "a room's or machine's name")
    not_personal("scheduling.ResourcePool", ["name"], "a pool of rooms' or machines' name")
    not_personal("scheduling.ResourceTimeOff", ["reason"], "why a room or machine is out of use: staff's")
    not_personal(ClinicClosure, ["name"], "a closure's name (a holiday)")
    not_personal(LogEntry, ["change_message"], "the admin lists the names of the fields it changed, not values")
    # Django's and the libraries' tables: all of them about staff, or plumbing.
    not_personal("auth.User", ["username", "first_name", "last_name", "email"], staff)
    not_personal("auth.Permission", ["name", "codename"], "a permission's name")
    not_personal("auth.Group", ["name"], "a role's name")
    not_personal("sessions.Session", ["session_data"], "staff sign-ins: the patients' pages keep no session")
    not_personal("axes.AccessAttempt", ["username", "user_agent", "post_data", "get_data"], staff)
    not_personal("axes.AccessFailureLog", ["username", "user_agent"], staff)
    not_personal("axes.AccessLog", ["username", "user_agent"], staff)
    not_personal("accounts.StaffToken", ["name"], "the label of a staff member's API token")
    not_personal("otp_totp.TOTPDevice", ["name"], staff)
    not_personal("otp_static.StaticDevice", ["name"], staff)
    not_personal(
        "django_tasks_database.DBTaskResult",
        ["args_kwargs", "return_value", "traceback"],
        "the jobs' arguments are outbox rows' pks and their results the courier's status; a send's error "
        "is caught and kept on its outbox row (registered)",
    )
    not_personal("django_tasks_database.DBTaskResult", ["backend_name", "queue_name"], "which worker queue")
    not_personal(
        PatientErasure,
        ["reason"],
        "staff's reason for an erasure (the request's reference): the record that it was done, kept after it",
    )
