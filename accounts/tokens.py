"""Issuing a staff API token: the one way the admin and `create_staff_token` make one."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from accounts.models import StaffToken

# A year at most: a key that lives longer is one nobody remembers to replace.
MAX_DAYS = 365
# last_used_at is written at most this often per token, so a busy script does not write on every request.
LAST_USE_PRECISION = timedelta(minutes=1)


def issue(token: StaffToken, *, days: int, now: datetime | None = None) -> str:
    """Save `token` (its user and name set) with a new key expiring in `days`; return the key, never stored.

    Raises ValidationError naming the field at fault (`days`, `name`, `user`).
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"A token lasts from 1 to {MAX_DAYS} days, not {days}."})
    now = now or timezone.now()
    token.digest, key = get_digest_token()
    token.token_key = key[: CONSTANTS.TOKEN_KEY_LENGTH]
    token.expiry = now + timedelta(days=days)
    token.full_clean()
    token.save(force_insert=True)
    return key


def note_use(token: StaffToken, now: datetime) -> None:
    """Record that the token was used, to the minute."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        StaffToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
