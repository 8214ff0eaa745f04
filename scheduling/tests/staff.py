"""Staff logins for tests: `is_staff` alone opens no booking; the model permissions do."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User

FRONT_DESK = ("scheduling.view_booking", "scheduling.change_booking")


def staff_member(username: str, *permissions: str, **fields) -> User:
    """An active staff login holding these model permissions ("app_label.codename")."""
    user = User.objects.create_user(username, is_staff=True, **fields)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh instance: has_perm caches what it first saw
