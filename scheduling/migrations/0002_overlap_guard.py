"""Make the database itself refuse overlapping confirmed bookings of one practitioner."""

from django.db import migrations


def install(apps, schema_editor):
    from scheduling import overlap_guard

    overlap_guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from scheduling import overlap_guard

    overlap_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
