"""Appointment types' intake questions: managers, who edit the types, edit them; the front desk and
practitioners read them (the answers are the bookings', reached as bookings are). The privacy officer gets
none of it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GIVEN = {
    "manager": [f"{verb}_intakequestion" for verb in ("view", "add", "change", "delete")],
    "receptionist": ["view_intakequestion"],
    "practitioner": ["view_intakequestion"],
}


def _permissions(apps, codenames):
    # Permissions are made after every migration has run; the groups need these now.
    config = apps.get_app_config("scheduling")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="scheduling", codename__in=codenames)


def give(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GIVEN):
        group.permissions.add(*_permissions(apps, GIVEN[group.name]))


def take_back(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GIVEN):
        group.permissions.remove(*_permissions(apps, GIVEN[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_admin_resources"),
        ("scheduling", "0027_intake_questions"),
    ]

    operations = [migrations.RunPython(give, take_back)]
