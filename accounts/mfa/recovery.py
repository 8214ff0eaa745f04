"""Recovery codes: single-use codes (django-otp's static tokens) for a staff member without their phone."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

HOW_MANY = 10
DEVICE_NAME = "Recovery codes"


@transaction.atomic
def new_codes(user) -> list[str]:
    """A fresh set, replacing any earlier one: each code works once, and is shown only now."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(HOW_MANY)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
