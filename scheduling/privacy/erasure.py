"""Erasing a patient's data on request (or when the retention period is over): every registered field of
theirs blanked (scheduling/privacy/registry.py), their future bookings cancelled and every manage link
revoked through the write path without a word to them, unsent e-mails cancelled; the appointment rows
(date, type, practitioner, status) and their events stay, for the retention period the law asks.

A real erasure needs a dry run of the same patient, by anyone who may erase, in the DRY_RUN_LASTS before:
staff see what it will do before they do it. Both are recorded (`PatientErasure`), so the dry run counts
whichever host answers the real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from outbox.models import OutboxStatus
from scheduling import access_log, bookings, clinic_time
from scheduling.bookings import Actor
from scheduling.models import Booking, BookingEvent, ErasurePermit, Patient, PatientDataRead, PatientErasure
from scheduling.patients import history_pks
from scheduling.privacy.registry import REGISTRY

DRY_RUN_LASTS = timedelta(minutes=10)
# What the history of a booking the erasure cancelled says about why (the staff's reason is kept on the
# erasure's own record, not in the appointment's history).
CANCELLED_BECAUSE = "The patient's data was erased."
BOOKINGS = Booking._meta.db_table


class ErasureRefused(Exception):
    """An erasure that cannot go ahead now; `code` says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Eraser:
    """Who erases: the history's actor, and the staff account and request when there is one (the access
    log's row names them); a management command has neither."""

    actor: Actor
    request: object = None

    @classmethod
    def staff(cls, request) -> Eraser:
        return cls(Actor.staff(request.user), request)


def dry_run(patient: Patient, *, by: Eraser, reason: str, now: datetime | None = None) -> dict:
    """What erasing `patient` would blank, cancel and revoke, per table; remembered for the real one."""
    now = now or clinic_time.now()
    _refuse_now(patient, now)
    counts = would_erase(patient, now)
    PatientErasure.objects.create(patient=patient, at=now, dry_run=True, by=by.actor.name, reason=reason, counts=counts)
    return counts


def erase(patient: Patient, *, by: Eraser, reason: str, now: datetime | None = None, rehearsed: bool = True) -> dict:
    """Erase `patient`'s data in one transaction; returns what was blanked, cancelled and revoked.

    `rehearsed=False` skips the dry run the API asks of staff: the retention purge's own rule decides.
    """
    now = now or clinic_time.now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        _refuse_now(patient, now)
        if rehearsed and not _dry_run_since(patient, now - DRY_RUN_LASTS):
            raise ErasureRefused(
                f"Run a dry run first: a real erasure needs one from the last {DRY_RUN_LASTS.seconds // 60} minutes.",
                "dry_run_required",
            )
        pks = history_pks(patient)
        counts = _counts(pks, now)
        theirs = Booking.objects.filter(patient_id__in=pks)
        ErasurePermit.objects.bulk_create(ErasurePermit(booking_id=pk) for pk in theirs.values_list("pk", flat=True))
        # The bookings' own snapshot first: the write path's receivers then find no address to write to,
        # so cancelling and revoking below send the patient nothing.
        REGISTRY[Booking._meta.label].blank_rows(theirs)
        for booking in _future(theirs, now):
            bookings.cancel(booking, by=by.actor, via=_channel(by), reason=CANCELLED_BECAUSE, now=now)
        for booking in theirs.not_holds():
            bookings.revoke_manage_link(booking, by=by.actor, via=_channel(by), now=now)
        for entry in REGISTRY.values():
            rows = entry.rows(pks)
            if entry.unsent is not None:
                entry.unsent(rows).update(status=OutboxStatus.CANCELLED)
            entry.blank_rows(rows)
        Patient.objects.filter(pk__in=pks).update(erased_at=now)
        ErasurePermit.objects.filter(booking__in=theirs).delete()
        PatientErasure.objects.create(
            patient=patient, at=now, dry_run=False, by=by.actor.name, reason=reason, counts=counts
        )
        _log(patient, by)
    return counts


def would_erase(patient: Patient, now: datetime) -> dict:
    """What erasing `patient` at `now` would blank, cancel and revoke, per table; changes nothing."""
    return _counts(history_pks(patient), now)


def _refuse_now(patient: Patient, now: datetime) -> None:
    if patient.is_erased:
        raise ErasureRefused("This patient's data was erased already.", "already_erased")
    if patient.merged_into_id is not None:
        raise ErasureRefused(
            f"This record was merged into {patient.merged_into.reference}: erase that one.", "merged_record"
        )
    today = clinic_time.local_date(now)
    in_progress = Booking.objects.filter(patient_id__in=history_pks(patient), status=Booking.Status.CHECKED_IN)
    if in_progress.starting_on(today, today).exists():
        raise ErasureRefused(
            "A booking of this patient's is checked in today: erase after the visit.", "booking_in_progress"
        )


def _dry_run_since(patient: Patient, since: datetime) -> bool:
    return PatientErasure.objects.filter(patient=patient, dry_run=True, at__gte=since).exists()


def _future(theirs, now: datetime):
    return theirs.filter(status=Booking.Status.CONFIRMED, starts_at__gt=now).select_related(
        "appointment_type", "practitioner"
    )


def _counts(pks: list[int], now: datetime) -> dict:
    theirs = Booking.objects.filter(patient_id__in=pks)
    blanked, unsent = {}, {}
    for entry in REGISTRY.values():
        rows = entry.rows(pks)
        blanked[entry.table] = blanked.get(entry.table, 0) + rows.count()
        if entry.unsent is not None:
            unsent[entry.table] = unsent.get(entry.table, 0) + entry.unsent(rows).count()
    return {
        "blanked": blanked,
        "cancelled": {BOOKINGS: _future(theirs, now).count()},
        "revoked": {BOOKINGS: theirs.not_holds().count()},
        "unsent_cancelled": unsent,
    }


def _channel(by: Eraser) -> str:
    return BookingEvent.Channel.API if by.request is not None else BookingEvent.Channel.SYSTEM


def _log(patient: Patient, by: Eraser) -> None:
    if by.request is not None:
        access_log.record_patient_reads(
            by.request, [patient], action=access_log.Action.ERASED, channel=access_log.Channel.API
        )
    else:
        PatientDataRead.objects.create(
            actor_name=by.actor.name,
            patient=patient,
            action=access_log.Action.ERASED,
            channel=access_log.Channel.COMMAND,
        )
