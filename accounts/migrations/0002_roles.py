"""The four roles as groups (accounts/roles.py), and the permission that lets staff see every
practitioner's patients given to whoever could already read bookings: staff kept as they were, a
practitioner's narrower reach is for the accounts put in that role from now on."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

CATALOGUE = ["appointmenttype", "practitioner", "openinghours", "timeoff", "clinicclosure", "clinic"]

# Frozen here as they were made: a later change of a role is a migration of its own, or an edit in the admin.
ROLES = {
    "receptionist": [
        "scheduling.view_every_practitioner",
        *(f"scheduling.{verb}_booking" for verb in ("view", "add", "change")),
        "scheduling.view_bookingevent",
        *(f"scheduling.{verb}_patient" for verb in ("view", "add", "change")),
        "scheduling.merge_patient",
        *(f"scheduling.{verb}_matchcandidate" for verb in ("view", "change")),
        "scheduling.view_patientmerge",
        *(f"scheduling.view_{model}" for model in CATALOGUE),
        *(f"waitlist.{verb}_entry" for verb in ("view", "add", "change")),
        "waitlist.view_offer",
        "notifications.view_message",
    ],
    "practitioner": [
        "scheduling.view_booking",
        "scheduling.change_booking",
        "scheduling.view_bookingevent",
        "scheduling.view_patient",
        *(f"scheduling.view_{model}" for model in CATALOGUE),
        "waitlist.view_entry",
        "notifications.view_message",
    ],
    "manager": [
        f"{app}.{codename}"
        for app, models in {
            "scheduling": [
                *CATALOGUE,
                "booking",
                "bookingevent",
                "patient",
                "matchcandidate",
                "patientmerge",
                "privacyrequest",
            ],
            "waitlist": ["entry", "offer", "freedtime", "notice"],
            "notifications": ["message"],
            "webhooks": ["endpoint", "delivery", "attempt"],
        }.items()
        for model in models
        for codename in (f"view_{model}", f"add_{model}", f"change_{model}", f"delete_{model}")
    ]
    + [
        "scheduling.view_every_practitioner",
        "scheduling.export_patient",
        "scheduling.erase_patient",
        "scheduling.merge_patient",
        "scheduling.view_patientdataread",
    ],
    "privacy officer": [
        "scheduling.view_every_practitioner",
        "scheduling.view_patientdataread",
        "scheduling.view_patient",
        "scheduling.export_patient",
        "scheduling.erase_patient",
        "scheduling.view_booking",
        "scheduling.view_bookingevent",
        "scheduling.view_matchcandidate",
        "scheduling.view_patientmerge",
        "scheduling.view_privacyrequest",
        "scheduling.change_privacyrequest",
    ],
}


def make_roles(apps, schema_editor):
    # Permissions are made after every migration has run; these groups need them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")

    def permission(name):
        app_label, codename = name.split(".")
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    every = permission("scheduling.view_every_practitioner")
    reading = Q(codename__in=["view_booking", "change_booking"], content_type__app_label="scheduling")
    for group in Group.objects.filter(permissions__in=Permission.objects.filter(reading)).distinct():
        group.permissions.add(every)
    for user in User.objects.filter(user_permissions__in=Permission.objects.filter(reading)).distinct():
        user.user_permissions.add(every)
    for role, names in ROLES.items():
        group, made = Group.objects.get_or_create(name=role)
        if made:
            group.permissions.set([permission(name) for name in names])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("scheduling", "0016_link_bookings_to_patients"),
        ("scheduling", "0018_privacy_requests"),
        ("waitlist", "0004_link_entries_to_patients"),
        ("notifications", "0003_new_link_message"),
        ("webhooks", "0001_initial"),
    ]

    operations = [migrations.RunPython(make_roles, migrations.RunPython.noop)]
