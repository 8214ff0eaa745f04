"""A patient's data as they may ask for it: their record, every booking with its type, practitioner,
times, status and history, what the apps built on the core hold of them (waitlist entries, messages sent:
scheduling/patients/sections.py), and who read their data (the access log). As plain JSON, or as a FHIR R4
Bundle of type `collection` with the Patient and one Appointment per booking.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db.models import Q

from scheduling.models import Booking, BookingEvent, Patient, PatientDataRead, PrivacyRequest
from scheduling.patients import history_pks
from scheduling.patients.sections import sections_for

Status = Booking.Status
# Booking status -> FHIR R4 Appointment.status (http://hl7.org/fhir/R4/valueset-appointmentstatus.html).
FHIR_STATUS = {
    Status.HELD: "pending",
    Status.CONFIRMED: "booked",
    Status.CHECKED_IN: "arrived",
    Status.COMPLETED: "fulfilled",
    Status.NO_SHOW: "noshow",
    Status.CANCELLED: "cancelled",
    # A hold let go or lapsed never became an appointment.
    Status.RELEASED: "cancelled",
    Status.EXPIRED: "cancelled",
}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _bookings(pks: list[int]):
    return (
        Booking.objects.filter(patient_id__in=pks)
        .select_related("appointment_type", "practitioner")
        .prefetch_related("events")
        .order_by("starts_at", "pk")
    )


def patient_export(patient: Patient) -> dict:
    """Everything the clinic holds about `patient` (a record and those merged into it), JSON-ready."""
    pks = history_pks(patient)
    theirs = list(_bookings(pks))
    reads = PatientDataRead.objects.filter(Q(patient_id__in=pks) | Q(booking__in=theirs)).select_related("booking")
    return {
        "patient": {
            "reference": patient.reference,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "birth_date": _iso(patient.birth_date),
            "email": patient.email,
            "phone": patient.phone,
            "preferred_language": patient.preferred_language,
            "created_at": _iso(patient.created_at),
            "erased_at": _iso(patient.erased_at),
            "merged_records": [
                {
                    "reference": merged.reference,
                    "given_name": merged.given_name,
                    "family_name": merged.family_name,
                    "birth_date": _iso(merged.birth_date),
                    "email": merged.email,
                    "phone": merged.phone,
                    "preferred_language": merged.preferred_language,
                }
                for merged in Patient.objects.filter(merged_into=patient).order_by("pk")
            ],
        },
        "bookings": [_booking(booking) for booking in theirs],
        **sections_for(pks),
        "privacy_requests": [
            {
                "kind": asked.kind,
                "status": asked.status,
                "booking": asked.booking.reference,
                "requested_at": _iso(asked.requested_at),
                "handled_at": _iso(asked.handled_at),
                "staff_note": asked.staff_note,
            }
            for asked in PrivacyRequest.objects.filter(patient_id__in=pks).select_related("booking").order_by("pk")
        ],
        "access_log": [
            {
                "at": _iso(read.at),
                "by": read.actor_name,
                "action": read.action,
                "channel": read.channel,
                "booking": read.booking.reference if read.booking else None,
            }
            for read in reads.order_by("at", "pk")
        ],
    }


def _booking(booking: Booking) -> dict:
    return {
        "reference": booking.reference,
        "appointment_type": booking.appointment_type.name,
        "practitioner": booking.practitioner.name,
        "starts_at": _iso(booking.starts_at),
        "ends_at": _iso(booking.ends_at),
        "status": booking.status,
        "patient_name": booking.patient_name,
        "patient_email": booking.patient_email,
        "patient_phone": booking.patient_phone,
        "patient_birth_date": _iso(booking.patient_birth_date),
        "reason_for_visit": booking.reason_for_visit,
        # The questions as they were asked, with the patient's answers.
        "intake_answers": booking.intake_answers or [],
        "cancelled_at": _iso(booking.cancelled_at),
        "cancellation_reason": booking.cancellation_reason,
        "created_at": _iso(booking.created_at),
        "history": [_event(event) for event in sorted(booking.events.all(), key=lambda event: event.revision)],
    }


def _event(event: BookingEvent) -> dict:
    return {
        "revision": event.revision,
        "kind": event.kind,
        "occurred_at": _iso(event.occurred_at),
        "actor": event.actor,
        "actor_name": event.actor_name,
        "channel": event.channel,
        "reason": event.reason,
        "changes": event.changes,
    }


def fhir_bundle(patient: Patient) -> dict:
    """The patient and their appointments as a FHIR R4 Bundle (`collection`)."""
    patient_ids = _identifier("patients", patient.reference)
    resource = {
        "resourceType": "Patient",
        "id": fhir_id(patient.reference),
        "identifier": [patient_ids],
        "active": not patient.is_erased,
    }
    if patient.given_name or patient.family_name:
        name = {"text": patient.full_name}
        if patient.family_name:
            name["family"] = patient.family_name
        if patient.given_name:
            name["given"] = patient.given_name.split()
        resource["name"] = [name]
    telecom = [{"system": "email", "value": patient.email}] if patient.email else []
    telecom += [{"system": "phone", "value": patient.phone}] if patient.phone else []
    if telecom:
        resource["telecom"] = telecom
    if patient.birth_date:
        resource["birthDate"] = patient.birth_date.isoformat()
    if patient.preferred_language:
        language = {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]}
        resource["communication"] = [{"language": language, "preferred": True}]
    entries = [{"fullUrl": f"{_base()}/Patient/{resource['id']}", "resource": resource}]
    for booking in _bookings(history_pks(patient)):
        entries.append(
            {
                "fullUrl": f"{_base()}/Appointment/{fhir_id(booking.reference)}",
                "resource": _appointment(booking, patient),
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _appointment(booking: Booking, patient: Patient) -> dict:
    patient_actor = {"reference": f"Patient/{fhir_id(patient.reference)}"}
    if booking.patient_name:
        patient_actor["display"] = booking.patient_name
    appointment = {
        "resourceType": "Appointment",
        "id": fhir_id(booking.reference),
        "identifier": [_identifier("bookings", booking.reference)],
        "status": FHIR_STATUS[booking.status],
        "appointmentType": {"text": booking.appointment_type.name},
        "start": booking.starts_at.isoformat(),
        "end": booking.ends_at.isoformat(),
        "created": booking.created_at.isoformat(),
        "participant": [
            {"actor": patient_actor, "status": "accepted"},
            {"actor": {"display": booking.practitioner.name}, "status": "accepted"},
        ],
    }
    if booking.reason_for_visit:
        appointment["reasonCode"] = [{"text": booking.reason_for_visit}]
    if booking.status == Status.CANCELLED and booking.cancellation_reason:
        appointment["cancelationReason"] = {"text": booking.cancellation_reason}
    return appointment


def fhir_id(reference: str) -> str:
    """A reference as a FHIR id, which allows letters, digits, '-' and '.' only: pt_3f… becomes pt-3f…. The
    identifiers carry the reference itself."""
    return reference.replace("_", "-")


def _base() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/fhir"


def _identifier(kind: str, reference: str) -> dict:
    # The clinic's own references (pt_..., bk_...), in a system named after this site.
    return {"system": f"{settings.SITE_URL.rstrip('/')}/{kind}", "value": reference}
