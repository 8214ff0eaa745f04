"""Every waitlist entry made before patients' records existed gets its patient, matched as a booking is
(scheduling/patients/matching.py), after the bookings were linked. Entries are few: one lookup each."""

import sys

from django.db import migrations


def link_entries(apps, schema_editor):
    from scheduling.patients import matching

    Entry = apps.get_model("waitlist", "Entry")
    Patient = apps.get_model("scheduling", "Patient")
    MatchCandidate = apps.get_model("scheduling", "MatchCandidate")
    made_before = Patient.objects.count()
    entries = list(Entry.objects.filter(patient__isnull=True).order_by("joined_at", "pk"))
    for entry in entries:
        typed = matching.Typed.of(entry.patient_name, entry.patient_email, entry.patient_phone)
        entry.patient = matching.record_for(typed, entry.patient_name, Patient, MatchCandidate)
        entry.save(update_fields=["patient"])
    made = Patient.objects.count() - made_before
    if entries:
        sys.stdout.write(f"\n  Linked {len(entries)} waitlist entries; {made} of them are new patients.\n")


class Migration(migrations.Migration):
    dependencies = [("waitlist", "0003_entry_patient"), ("scheduling", "0016_link_bookings_to_patients")]

    operations = [migrations.RunPython(link_entries, migrations.RunPython.noop)]
