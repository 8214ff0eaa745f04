"""Every booking made before patients' records existed gets its patient, matched as new bookings are
(scheduling/patients/linking.py, which the bench's generated clinic uses too)."""

import sys

from django.db import migrations


def link_bookings(apps, schema_editor):
    from scheduling import guards
    from scheduling.patients import linking

    # A database made before the SQLite update trigger checked only moves would check each link against the
    # practitioner's later bookings: hours for a large clinic.
    guards.renew_overlap_guard(schema_editor.connection)

    models = (apps.get_model("scheduling", name) for name in ("Booking", "Patient", "MatchCandidate"))
    linked, made, candidates = linking.link_unlinked(*models)
    sys.stdout.write(
        f"\n  Linked {linked} bookings to {made} patients; {candidates} possible duplicates are open for staff.\n"
    )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0015_patients")]

    operations = [migrations.RunPython(link_bookings, migrations.RunPython.noop)]
