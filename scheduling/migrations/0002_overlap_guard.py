"""Make the database itself refuse overlapping bookings of one practitioner."""

from django.db import migrations


def install(apps, schema_editor):
    from scheduling import guards

    guards.install_overlap_guard(schema_editor.connection)


def remove(apps, schema_editor):
    from scheduling import guards

    guards.remove_overlap_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
