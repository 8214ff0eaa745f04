"""The waitlist's part of a patient's record (scheduling/patients/sections.py): the entries they joined,
with the details typed into each and the e-mails about it (the export shows what the clinic holds)."""

from __future__ import annotations

from waitlist.models import Entry


def entries(patient_pks: list[int]) -> list[dict]:
    """The patient's waitlist entries, oldest first: what they wait for and how it ended."""
    joined = (
        Entry.objects.filter(patient_id__in=patient_pks)
        .select_related("appointment_type", "practitioner")
        .prefetch_related("notices")
    )
    return [
        {
            "reference": entry.reference,
            "appointment_type": entry.appointment_type.slug,
            "practitioner": entry.practitioner.slug if entry.practitioner else None,
            "earliest_date": entry.earliest_date.isoformat(),
            "latest_date": entry.latest_date.isoformat(),
            "status": entry.status,
            "joined_at": entry.joined_at.isoformat(),
            "patient_name": entry.patient_name,
            "patient_email": entry.patient_email,
            "patient_phone": entry.patient_phone,
            "emails": [
                {"kind": notice.kind, "recipient": notice.recipient, "status": notice.status}
                for notice in entry.notices.all()
            ],
        }
        for entry in joined.order_by("joined_at", "pk")
    ]
