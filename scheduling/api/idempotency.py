"""Idempotency-Key: a retried request (same key, same body) gets the original response, not a new booking.

The key is claimed in the same transaction as the work it guards, so two copies of one request racing on
two hosts serialise on the key's unique constraint: one does the work, the other then reads its answer.
A request that fails rolls its claim back with everything else, so a retry is judged afresh.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)

KEY_PATTERN = re.compile(r"[!-~]{1,255}")  # visible ASCII, as a UUID or any token is

PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"},
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string up to 255 characters (a UUID is ideal). Retrying with the same key and "
    "body returns the original response; the same key with another body is 422. Keys expire after 24 hours.",
)


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = f"This {HEADER} was already used with a different request body."
    default_code = "idempotency_key_reused"


def purge_expired(now=None) -> int:
    """Delete records past their 24 hours; their stored responses include manage tokens."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_FOR).delete()
    return deleted


def _digest(request: Request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _valid_key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationError({HEADER: ["Give 1 to 255 visible ASCII characters, for example a UUID."]})
    return key


def idempotent(request: Request, scope: str, respond: Callable[[], Response]) -> Response:
    """`respond()` once per key: later requests with the same key and body get the stored response."""
    key = _valid_key(request)
    if key is None:
        return respond()
    digest = _digest(request)
    now = timezone.now()
    with transaction.atomic():
        purge_expired(now)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, request_digest=digest, response_status=0, response_body={}, created_at=now
                )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.get(scope=scope, key=key)
            if earlier.request_digest != digest:
                raise KeyReused() from None
            replay = Response(earlier.response_body, status=earlier.response_status)
            replay["Idempotent-Replayed"] = "true"
            return replay
        response = respond()
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response
