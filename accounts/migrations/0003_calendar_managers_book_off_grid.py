"""Managers may book off the slot grid or outside hours (the week calendar's desk exception); other roles
keep to the grid unless someone gives them the permission in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFF_GRID = ("scheduling", "book_off_grid")


def let_managers_book_off_grid(apps, schema_editor):
    # Permissions are made after every migration has run; this one is needed now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = OFF_GRID
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    for manager in Group.objects.filter(name="manager"):
        manager.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("scheduling", "0021_calendar_book_off_grid"),
    ]

    operations = [migrations.RunPython(let_managers_book_off_grid, migrations.RunPython.noop)]
