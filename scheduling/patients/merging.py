"""Staff decide that two records are one person: merge one into the other, undo that within
PATIENT_UNMERGE_DAYS, or dismiss a possible duplicate.

Rows never move. Bookings and waitlist entries keep the patient they were made for; a record's history is
its own rows and those of the records merged into it (`history_pks`). Records are merged one level deep:
merging B, into which A was merged, into C re-points A to C as well. A merge changes only `merged_into`
of those records, the empty fields of `into` that `merged` could fill, and the status of the possible
duplicates between the two; its `PatientMerge.snapshot` holds each of them as it was, and `unmerge` puts
exactly that back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from scheduling.models import MatchCandidate, Patient, PatientMerge
from scheduling.rules import BookingChanged, BookingRuleBroken, TooLateToChange

# The fields of `into` a merge fills when `into` has none and `merged` has one (a birth date given only
# on the other record, a phone number): what staff would copy over by hand.
FILLED_FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "preferred_language")


def history_pks(patient: Patient) -> list[int]:
    """The pks whose rows are this patient's history: the record and those merged into it."""
    return [patient.pk, *Patient.objects.filter(merged_into=patient).order_by("pk").values_list("pk", flat=True)]


def merge(merged: Patient, into: Patient, *, by: str, now: datetime) -> PatientMerge:
    """Make `merged` (and the records merged into it) part of `into`; a 400 naming `into` if either record
    cannot take part, and BookingChanged if another merge got there first."""
    with transaction.atomic():
        # Locked in pk order, so two merges of the same records wait for each other instead of deadlocking;
        # read again under the lock, so the checks see what the other merge wrote.
        locked = {
            record.pk: record
            for record in Patient.objects.select_for_update().filter(pk__in=[merged.pk, into.pk]).order_by("pk")
        }
        _check_mergeable(locked.get(merged.pk), locked.get(into.pk))
        merged, into = locked[merged.pk], locked[into.pk]

        candidates = _open_candidates_between(merged, into)
        repointed = {str(merged.pk): None}
        repointed.update(
            {str(pk): merged.pk for pk in Patient.objects.filter(merged_into=merged).values_list("pk", flat=True)}
        )
        # Conditional writes: a record merged or erased since the lock was read (SQLite has no row locks)
        # changes no row, and the count says so.
        moved = Patient.objects.filter(pk=merged.pk, merged_into__isnull=True, erased_at__isnull=True).update(
            merged_into=into
        )
        if not moved:
            raise BookingChanged("This record was merged or erased meanwhile; nothing was merged.", field="into")
        Patient.objects.filter(merged_into=merged).update(merged_into=into)

        filled = _fill_empty_fields(into, merged)
        MatchCandidate.objects.filter(pk__in=candidates).update(
            status=MatchCandidate.Status.MERGED, resolved_at=now, resolved_by=by
        )
        return PatientMerge.objects.create(
            merged=merged,
            into=into,
            merged_at=now,
            merged_by=by,
            snapshot={"records": repointed, "into": filled, "candidates": candidates},
        )


def latest_merge(patient: Patient) -> PatientMerge | None:
    """The merge that made `patient` part of another record, if it is still in force."""
    return PatientMerge.objects.filter(merged=patient, undone_at__isnull=True).order_by("-merged_at", "-pk").first()


def unmerge_deadline(merge: PatientMerge) -> datetime:
    return merge.merged_at + timedelta(days=settings.PATIENT_UNMERGE_DAYS)


def can_unmerge(merge: PatientMerge, now: datetime) -> bool:
    return merge.undone_at is None and now < unmerge_deadline(merge)


def unmerge(merge: PatientMerge | Patient, *, by: str, now: datetime) -> PatientMerge:
    """Undo a merge (or the latest merge of a patient) exactly as its snapshot says, within
    PATIENT_UNMERGE_DAYS; a 409 after that, or while a later merge still holds the records."""
    if isinstance(merge, Patient):
        found = latest_merge(merge)
        if found is None:
            raise BookingRuleBroken("This record is not merged into another.", code="not_merged")
        merge = found
    with transaction.atomic():
        merge = PatientMerge.objects.select_for_update().select_related("merged", "into").get(pk=merge.pk)
        if merge.undone_at is not None:
            raise BookingChanged("This merge was already undone.", code="already_undone")
        if not can_unmerge(merge, now):
            raise TooLateToChange(
                f"A merge can be undone for {settings.PATIENT_UNMERGE_DAYS} days; this one was made on "
                f"{merge.merged_at:%Y-%m-%d}.",
                code="unmerge_window_passed",
            )
        records = {int(pk): before for pk, before in merge.snapshot.get("records", {}).items()}
        # Every record the merge re-pointed must still point where it left them: a later merge of `into`
        # moved them on, and undoing this one first would split what that one joined.
        still = Patient.objects.filter(pk__in=records, merged_into=merge.into_id).count()
        if still != len(records):
            raise BookingChanged("A later merge moved these records on; undo that merge first.", code="merged_again")
        for pk, before in records.items():
            Patient.objects.filter(pk=pk).update(merged_into_id=before)
        into = Patient.objects.get(pk=merge.into_id)
        for field, before in merge.snapshot.get("into", {}).items():
            setattr(into, field, date.fromisoformat(before) if field == "birth_date" and before else before)
        if merge.snapshot.get("into"):
            into.save(update_fields=list(merge.snapshot["into"]))
        MatchCandidate.objects.filter(pk__in=merge.snapshot.get("candidates", [])).update(
            status=MatchCandidate.Status.OPEN, resolved_at=None, resolved_by=""
        )
        merge.undone_at, merge.undone_by = now, by
        merge.save(update_fields=["undone_at", "undone_by"])
        return merge


def dismiss(candidate: MatchCandidate, *, by: str, now: datetime) -> MatchCandidate:
    """Staff say the two records are not the same person."""
    dismissed = MatchCandidate.objects.filter(pk=candidate.pk, status=MatchCandidate.Status.OPEN).update(
        status=MatchCandidate.Status.DISMISSED, resolved_at=now, resolved_by=by
    )
    if not dismissed:
        raise BookingChanged("This possible duplicate was already resolved.", code="already_resolved")
    candidate.refresh_from_db()
    return candidate


def _check_mergeable(merged: Patient | None, into: Patient | None) -> None:
    if merged is None or into is None:
        raise BookingRuleBroken("No such patient.", field="into", code="unknown_patient")
    if merged.pk == into.pk:
        raise BookingRuleBroken("A record cannot be merged into itself.", field="into", code="same_patient")
    if into.merged_into_id is not None:
        raise BookingRuleBroken(
            "That record was merged into another; merge into the one it is part of.", field="into", code="into_merged"
        )
    if into.is_erased:
        raise BookingRuleBroken("That record was erased.", field="into", code="into_erased")
    if merged.merged_into_id is not None:
        raise BookingRuleBroken("This record is already merged into another.", field="into", code="already_merged")
    if merged.is_erased:
        raise BookingRuleBroken("This record was erased; it cannot be merged.", field="into", code="erased")


def _fill_empty_fields(into: Patient, merged: Patient) -> dict:
    """Give `into` what only `merged` has; what `into` held before, JSON-ready, per field changed."""
    before = {}
    for field in FILLED_FIELDS:
        mine, theirs = getattr(into, field), getattr(merged, field)
        if mine in (None, "") and theirs not in (None, ""):
            before[field] = mine
            setattr(into, field, theirs)
    if before:
        into.save(update_fields=list(before))
    return before


def _open_candidates_between(merged: Patient, into: Patient) -> list[int]:
    """The open possible duplicates pairing a record of one side with a record of the other."""
    one, other = history_pks(merged), history_pks(into)
    between = Q(patient__in=one, existing__in=other) | Q(patient__in=other, existing__in=one)
    return list(
        MatchCandidate.objects.filter(between, status=MatchCandidate.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
