"""Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under each secret."""

from __future__ import annotations

import base64
import hashlib
import hmac

from webhooks.models import SECRET_PREFIX


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def headers(secrets: list[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers; during a secret rotation, one signature per live secret, space-separated."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(secret, message_id, timestamp, body) for secret in secrets),
    }
