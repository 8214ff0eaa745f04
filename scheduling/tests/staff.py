"""Staff logins for tests: `is_staff` alone opens no booking; the model permissions do, and the roles
(accounts/roles.py) are groups of them."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User

from scheduling.models import Practitioner

# The front desk as it was before roles: it reads and acts on every practitioner's bookings.
FRONT_DESK = ("scheduling.view_booking", "scheduling.change_booking", "scheduling.view_every_practitioner")


def staff_member(username: str, *permissions: str, **fields) -> User:
    """An active staff login holding these model permissions ("app_label.codename")."""
    user = User.objects.create_user(username, is_staff=True, **fields)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh instance: has_perm caches what it first saw


def member_of(role: str, username: str, practitioner: Practitioner | None = None, **fields) -> User:
    """An active staff login in the role's group (made by accounts/migrations/0002_roles.py), linked to
    `practitioner` if given."""
    user = User.objects.create_user(username, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    return User.objects.get(pk=user.pk)
