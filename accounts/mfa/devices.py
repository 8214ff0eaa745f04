"""A staff member's authenticator app (django-otp's TOTP device): setting one up, and checking a code
against it or against the recovery codes."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

APP_NAME = "Authenticator app"


def normalised(code: str) -> str:
    """As typed or pasted: spaces and hyphens between groups dropped, recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def pending_app(user) -> TOTPDevice:
    """The app being set up: one unconfirmed device, kept across reloads of the set-up page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


@transaction.atomic
def confirm_app(device: TOTPDevice, code: str) -> bool:
    """Confirm the app being set up with a code it shows; it then replaces any app set up before."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(normalised(code)):
        return False
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def matching_device(user, code: str):
    """The device that accepts `code`: six digits go to the app, anything else to the recovery codes, so a
    recovery code never counts as a wrong app code (each device slows down after its own failures)."""
    code = normalised(code)
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def is_slowed_down(user) -> bool:
    """After wrong codes each device refuses even right ones for a while (1 s, 2 s, 4 s, ... django-otp)."""
    devices = [*TOTPDevice.objects.devices_for_user(user), *StaticDevice.objects.devices_for_user(user)]
    return any(not device.verify_is_allowed()[0] for device in devices)


def secret(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
