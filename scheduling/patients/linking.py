"""Bookings without a patient, linked in bulk by the same rules as each new booking
(scheduling/patients/matching.py: `choose` decides for both), oldest booking first, so a clinic's years of
bookings come out as the people they were for. Holds nobody named stay without one.

The migration that linked the bookings made before records existed runs it with its historical models, and
the bench's generated clinic with the real ones. Matching runs in memory over one pass of the bookings, in
batches, rather than one query per booking, so half a million bookings link in well under a minute.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import count

from django.db import connections

from scheduling.patients import matching

BATCH = 5000
HOLDS = ("held", "released", "expired")


def link_unlinked(Booking, Patient, MatchCandidate) -> tuple[int, int, int]:  # the models, perhaps historical
    """Links every named booking without a patient; returns (bookings linked, patients made, candidates)."""
    # Records with an e-mail or phone, by each, oldest first: only they can match a later booking.
    by_contact = defaultdict(list)
    order = count()
    totals = [0, 0, 0]

    def link(batch):
        new_records, new_candidates, links = [], [], []
        for pk, name, email, phone, birth_date in batch:
            typed = matching.Typed.of(name, email, phone, birth_date)
            contacts = [contact for contact in (typed.email, typed.phone) if contact]
            found = {id(record): record for contact in contacts for record in by_contact[contact]}
            sharing = sorted(found.values(), key=lambda record: record.order, reverse=True)
            chosen = matching.choose(typed, sharing)
            if chosen is None:
                chosen = Patient(**matching.new_record_fields(typed, name))
                chosen.order = next(order)
                new_records.append(chosen)
                new_candidates.extend(
                    MatchCandidate(patient=chosen, existing=existing, shared=matching.shared(typed, existing))
                    for existing in matching.survivors(sharing)[: matching.MAX_CANDIDATES]
                )
                for contact in contacts:
                    by_contact[contact].append(chosen)
            elif chosen.birth_date is None and typed.birth_date is not None:
                chosen.birth_date = typed.birth_date
                if chosen.pk is not None:  # saved in an earlier batch
                    Patient.objects.filter(pk=chosen.pk).update(birth_date=typed.birth_date)
            links.append((pk, chosen))
        Patient.objects.bulk_create(new_records, batch_size=1000)
        for candidate in new_candidates:  # their patients have primary keys now
            candidate.patient_id, candidate.existing_id = candidate.patient.pk, candidate.existing.pk
        MatchCandidate.objects.bulk_create(new_candidates, batch_size=1000)
        set_patients(Booking, [(record.pk, pk) for pk, record in links])
        totals[0] += len(links)
        totals[1] += len(new_records)
        totals[2] += len(new_candidates)

    named = Booking.objects.filter(patient__isnull=True).exclude(status__in=HOLDS, patient_name="")
    rows = named.order_by("created_at", "pk").values_list(
        "pk", "patient_name", "patient_email", "patient_phone", "patient_birth_date"
    )
    # Read whole before writing: the batches update the table being read.
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        link(rows[start : start + BATCH])
    return tuple(totals)


def set_patients(Booking, pairs: list[tuple[int, int]]) -> None:  # the model, perhaps historical
    """Sets each booking's patient from (patient pk, booking pk) pairs in one prepared statement: bulk_update's
    CASE over a thousand rows costs more to build than to run, and this runs half a million times."""
    db = Booking.objects.db
    quote = connections[db].ops.quote_name
    table, patient, pk = Booking._meta.db_table, Booking._meta.get_field("patient").column, Booking._meta.pk.column
    with connections[db].cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(table)} SET {quote(patient)} = %s WHERE {quote(pk)} = %s", pairs)
