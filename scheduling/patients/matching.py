"""Which patient a booking is for, from the details typed into it.

- The same name (matching_key), no contradicting birth date, and the same e-mail or phone: that patient.
  A birth date missing on either side contradicts nothing; a record that lacked one takes the booking's.
- The same e-mail or phone but another name or birth date: a new patient, and an open MatchCandidate
  for staff. Families share addresses and phones, so two records are never merged by themselves.
- Otherwise: a new patient.

The data migration that linked the bookings made before patients existed calls `record_for` too, with the
historical models, so old bookings were matched exactly as new ones are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q

from scheduling import guards
from scheduling.models import MatchCandidate, Patient
from scheduling.patient_details import e164_phone, matching_key, normalised_email, split_name

# A booking sharing a phone with a whole clinic's worth of records (a care home's switchboard) gets only
# the most recent few as candidates: enough for staff to see the pattern.
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Typed:
    """The details of one booking as matching compares them."""

    name: str
    email: str = ""
    phone: str = ""
    birth_date: date | None = None

    @classmethod
    def of(cls, name: str, email: str = "", phone: str = "", birth_date: date | None = None) -> Typed:
        return cls(matching_key(name), normalised_email(email), e164_phone(phone) if phone else "", birth_date)


def patient_for(details) -> Patient:
    """The patient a booking with these `PatientDetails` is for; called inside the booking's transaction,
    so a booking that fails leaves no record behind."""
    if details.record is not None:
        return details.record
    typed = Typed.of(details.name, details.email, details.phone, details.birth_date)
    # Two bookings for one new person at once (two hosts) must not each make a record: they take turns
    # per address and phone (SQLite's writers take turns anyway).
    guards.take_turns(connection, [f"patient:{contact}" for contact in (typed.email, typed.phone) if contact])
    return record_for(typed, details.name, Patient, MatchCandidate)


def record_for(typed: Typed, name_as_typed: str, patients, candidates):
    """The record for `typed` among `patients` (the model, or a migration's historical one), made if none
    fits, with `candidates` for the records it may duplicate."""
    sharing = _sharing_contact(typed, patients)
    chosen = choose(typed, sharing)
    if chosen is not None:
        if chosen.birth_date is None and typed.birth_date is not None:
            chosen.birth_date = typed.birth_date
            chosen.save(update_fields=["birth_date"])
        return chosen
    record = patients(**new_record_fields(typed, name_as_typed))
    record.save()
    candidates.objects.bulk_create(
        candidates(patient=record, existing=existing, shared=shared(typed, existing))
        for existing in survivors(sharing)[:MAX_CANDIDATES]
    )
    return record


def choose(typed: Typed, sharing: list):
    """The record among those sharing an e-mail or phone (newest first, merged ones with their
    `merged_into`) that is this person, or None. A merged record still matches by its own name: its person
    is the one it was merged into."""
    for record in sharing:
        survivor = record.merged_into or record
        if record.name_key == typed.name and _no_contradiction(survivor.birth_date, typed.birth_date):
            return survivor
    return None


def survivors(sharing: list) -> list:
    """The records in use among `sharing`, each once, in order: the possible duplicates of a new one."""
    kept = {}
    for record in sharing:
        survivor = record.merged_into or record
        kept.setdefault(survivor.pk or id(survivor), survivor)  # no pk yet: a migration's unsaved record
    return list(kept.values())


def new_record_fields(typed: Typed, name_as_typed: str) -> dict:
    given, family = split_name(name_as_typed)
    return {
        "given_name": given,
        "family_name": family,
        "name_key": typed.name,
        "birth_date": typed.birth_date,
        "email": typed.email,
        "phone": typed.phone,
    }


def shared(typed: Typed, existing) -> str:
    """What a new record has in common with a possible duplicate: "e-mail", "phone" or both."""
    same = [
        what
        for what, mine, theirs in (("e-mail", typed.email, existing.email), ("phone", typed.phone, existing.phone))
        if mine and mine == theirs
    ]
    return " and ".join(same) or "contact"


def _sharing_contact(typed: Typed, patients) -> list:
    """The records sharing an e-mail or phone, merged ones included, newest first; erased ones are nobody."""
    contact = Q()
    if typed.email:
        contact |= Q(email=typed.email)
    if typed.phone:
        contact |= Q(phone=typed.phone)
    if not contact:
        return []
    found = patients.objects.filter(contact, erased_at__isnull=True).select_related("merged_into").order_by("-pk")
    return [record for record in found if record.merged_into is None or record.merged_into.erased_at is None]


def _no_contradiction(known: date | None, typed: date | None) -> bool:
    return known is None or typed is None or known == typed
