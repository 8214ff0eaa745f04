"""Signing staff in as the real flow does, for tests: the codes an authenticator app would show, and a
session already past the second step for tests about something else."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def app_code(device: TOTPDevice) -> str:
    """The code an authenticator app holding this device's key shows now (RFC 6238, as the app computes it)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def sign_in_past_mfa(client, user) -> TOTPDevice:
    """Sign `user` in on `client` with an authenticator app already set up and its code already given."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
