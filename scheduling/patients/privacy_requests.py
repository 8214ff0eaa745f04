"""Patients ask, staff handle: a request for a copy of one's data, or for its erasure, is recorded for the
clinic, once per patient and kind while it is open. Nothing here exports or erases anything."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from scheduling import clinic_time
from scheduling.models import Booking, Patient, PrivacyRequest
from scheduling.rules import BookingRuleBroken

Kind = PrivacyRequest.Kind
Status = PrivacyRequest.Status


def _current(patient: Patient) -> Patient:
    # A merge leaves one level: the record merged away points at the one that stayed.
    return patient.merged_into if patient.merged_into_id else patient


def ask(booking: Booking, kind: str, *, now: datetime | None = None) -> tuple[PrivacyRequest, bool]:
    """The open request of `kind` for the patient of `booking`: made now (True), or the one already with the
    clinic (False)."""
    if booking.patient_id is None:
        raise BookingRuleBroken(
            "This booking has no patient's record to ask about. Please call the clinic.", code="no_patient_record"
        )
    patient = _current(booking.patient)
    open_request = PrivacyRequest.objects.filter(patient=patient, kind=kind, status=Status.OPEN)
    asked = open_request.first()
    if asked is not None:
        return asked, False
    try:
        with transaction.atomic():
            made = PrivacyRequest.objects.create(
                patient=patient, booking=booking, kind=kind, requested_at=now or clinic_time.now()
            )
    except IntegrityError:  # asked twice at once: the other ask made it (privacy_request_one_open_per_kind)
        return open_request.get(), False
    return made, True


def closing_refusal(status: str, note: str) -> BookingRuleBroken | None:
    """Why a request cannot be closed so, or None: it ends done or declined, and a refusal says why."""
    if status not in (Status.DONE, Status.DECLINED):
        return BookingRuleBroken("Mark the request done or declined.", field="status", code="invalid_status")
    if status == Status.DECLINED and not note.strip():
        return BookingRuleBroken("Say why the request is declined.", field="staff_note", code="note_required")
    return None


def handle(asked: PrivacyRequest, *, status: str, note: str, by, now: datetime | None = None) -> PrivacyRequest:
    """Staff close an open request as done or declined, saying what they did or why not."""
    refused = closing_refusal(status, note)
    if refused is not None:
        raise refused
    now = now or clinic_time.now()
    closed = PrivacyRequest.objects.filter(pk=asked.pk, status=Status.OPEN).update(
        status=status, handled_at=now, handled_by=by, staff_note=note
    )
    if not closed:
        raise BookingRuleBroken("Someone else handled this request meanwhile.", field="status", code="already_handled")
    asked.refresh_from_db()
    return asked
