"""`Authorization: Token <key>` for staff: knox's scheme over `StaffToken`, refusing expired keys without
writing, and describing itself to OpenAPI."""

from __future__ import annotations

from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

from accounts import tokens
from accounts.models import StaffToken


class StaffTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        # knox deletes an expired token (and the user's other expired ones) while authenticating, and a key
        # that is not UTF-8 is a 500 there. Here an expired token stays listed in the admin as expired.
        try:
            key = token.decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        digest = hash_token(key)
        now = timezone.now()
        candidates = StaffToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for staff_token in candidates:
            if compare_digest(digest, staff_token.digest):
                if staff_token.has_expired(now):
                    raise AuthenticationFailed("This token has expired; ask for a new one.", code="token_expired")
                tokens.note_use(staff_token, now)
                return self.validate_user(staff_token)
        raise AuthenticationFailed("Invalid token.")


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = StaffTokenAuthentication
    name = "tokenAuth"  # the name the schema always gave staff tokens, so generated clients keep theirs

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = (
            "A staff API token: `Authorization: Token <key>`. Staff issue one in the admin (Staff accounts → "
            "Staff API tokens) or with `manage.py create_staff_token USERNAME`; it expires, and an expired or "
            "revoked token is answered `401`."
        )
        return scheme
