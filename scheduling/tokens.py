"""The secrets patients and staff hold: tokens derived from a public reference, and random ones kept as
digests.

Derived tokens follow django/contrib/auth/tokens.py: an HMAC of the reference under the server's secret
key, checked in constant time against the current key and every fallback, so rotating SECRET_KEY (with
the old key in SECRET_KEY_FALLBACKS until the links it signed should stop working) changes every link.
A manage link is derived rather than stored, so an e-mail sent days later (a reminder) can carry it while
the database holds no usable token. Staff revoke one booking's link by counting one more revocation: the
count is part of what is signed, so the old link stops matching and a new one is derived. A booking never
revoked signs its reference alone, as every link did before revocation existed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac


class DerivedTokenGenerator:
    """Makes and checks the token of a public reference (a booking's, a waitlist entry's, an offer's)."""

    key_salt = "scheduling.manage-token"

    def make_token(self, reference: str, secret: str | None = None) -> str:
        mac = salted_hmac(self.key_salt, reference, secret=secret, algorithm="sha256").digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def check_token(self, reference: str, token: str) -> bool:
        """Whether `token` is the one made for `reference` under the current secret key or a fallback."""
        if not token:
            return False
        keys = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
        return any(constant_time_compare(token, self.make_token(reference, key)) for key in keys)


manage_token_generator = DerivedTokenGenerator()


class LinkExpired(Exception):
    """The token is right, but its link has passed its end (`MANAGE_LINK_DAYS_AFTER_VISIT` after the visit).

    Raised only for the right token, so saying "expired" tells a caller nothing they did not already hold.
    """

    code = "link_expired"


def _signed(reference: str, revocations: int) -> str:
    # References hold no ":", so a revoked link's message never equals another reference's.
    return f"{reference}:{revocations}" if revocations else reference


def manage_token(reference: str, revocations: int = 0) -> str:
    """The patient's token for a booking (or any public reference a patient is given a link for), after
    `revocations` revocations of its link."""
    return manage_token_generator.make_token(_signed(reference, revocations))


def accepts_derived_token(reference: str, token: str, revocations: int = 0) -> bool:
    return manage_token_generator.check_token(_signed(reference, revocations), token)


def holder_key(client_address: str) -> str:
    """Who took a hold, as the hold row keeps it: a keyed digest of the client's address, so the bookings
    table holds no address, and the key cannot be reversed by trying every address without the secret."""
    return salted_hmac("scheduling.holder", client_address, algorithm="sha256").hexdigest()[:32]


def token_digest(token: str) -> str:
    """How a random token is stored: whoever reads the database cannot use it."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches_digest(digest: str, token: str) -> bool:
    return bool(digest) and bool(token) and constant_time_compare(digest, token_digest(token))


def new_secret(prefix: str = "", nbytes: int = 24) -> tuple[str, str]:
    """A random token for whoever is handed it, and its digest to store."""
    token = f"{prefix}{secrets.token_urlsafe(nbytes)}"
    return token, token_digest(token)
