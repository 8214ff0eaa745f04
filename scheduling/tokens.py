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


# A manage code: what staff read out on the phone and a patient types at /manage/code/ instead of following
# the link. Crockford's base32 (no I, L, O, U), so a letter heard or typed as its look-alike digit still
# matches; 8 characters are 40 bits, and the page trying them is throttled per client. Derived like the
# link's token (the same reference and revocation count, another salt), so revoking the link changes it too.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
CODE_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def manage_code(reference: str, revocations: int = 0) -> str:
    """The booking's code as staff read it out: 'K7QM-2XPA'."""
    mac = salted_hmac("scheduling.manage-code", _signed(reference, revocations), algorithm="sha256").digest()
    number = int.from_bytes(mac[:5])
    chars = "".join(CODE_ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def normalised_code(typed: str) -> str | None:
    """A code as typed (any case, with or without the dash or spaces, O for 0, I or L for 1) as the 8
    characters it names, or None when it cannot be a code."""
    chars = "".join(typed.split()).replace("-", "").upper().translate(CODE_LOOK_ALIKES)
    if len(chars) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in chars):
        return None
    return chars


def manage_code_digests(code: str) -> list[str]:
    """How a code is stored and looked up: keyed by the secret key (40 bits are too few for a plain hash a
    copy of the database could be searched with), under the current key and each fallback."""
    chars = normalised_code(code) or ""
    keys = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    return [
        salted_hmac("scheduling.manage-code-digest", chars, secret=key, algorithm="sha256").hexdigest() for key in keys
    ]


def manage_code_digest(reference: str, revocations: int = 0) -> str:
    """The stored digest of the booking's code now."""
    return manage_code_digests(manage_code(reference, revocations))[0]


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
