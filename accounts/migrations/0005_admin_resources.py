"""Rooms, equipment, their pools, hours and time off, and the types' requirements: managers change them;
the front desk and practitioners read them, with group sessions (which nobody edits: their seats are
bookings). The privacy officer gets none of it."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITED = ["resource", "resourcepool", "resourcerequirement", "resourcehours", "resourcetimeoff"]
GIVEN = {
    "manager": [
        *(f"{verb}_{model}" for model in EDITED for verb in ("view", "add", "change", "delete")),
        "view_groupsession",
    ],
    "receptionist": [*(f"view_{model}" for model in EDITED), "view_groupsession"],
    "practitioner": [*(f"view_{model}" for model in EDITED), "view_groupsession"],
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
        ("accounts", "0004_reports_view_reports"),
        ("scheduling", "0023_resources_and_group_sessions"),
    ]

    operations = [migrations.RunPython(give, take_back)]
