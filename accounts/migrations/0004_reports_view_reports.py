"""The permission to see the reports (scheduling/reports/), given to managers, and to practitioners, who see
their own practitioner's figures only (scheduling/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_REPORTS = ("scheduling", "view_reports")
GIVEN_TO = ["manager", "practitioner"]


def _permission(apps):
    # Permissions are made after every migration has run; the groups need this one now.
    config = apps.get_app_config("scheduling")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = VIEW_REPORTS
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def give(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GIVEN_TO):
        group.permissions.add(permission)


def take_back(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GIVEN_TO):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_calendar_managers_book_off_grid"),
        ("scheduling", "0022_reports_view_reports"),
    ]

    operations = [migrations.RunPython(give, take_back)]
