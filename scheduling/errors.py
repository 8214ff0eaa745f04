"""One JSON error body for every failure: `detail` for people, `code` for programs, `errors` per field."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from scheduling.booking import BookingError, SlotUnavailable

# Seconds a client should wait when the database was too busy to take its write.
RETRY_AFTER_BUSY = 2
BODY = "body"


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail flattened to {field: [messages]}; errors of the whole body under 'body'."""
    if isinstance(detail, dict):
        flat = {}
        for field, messages in detail.items():
            name = BODY if field in ("non_field_errors", settings.REST_FRAMEWORK.get("NON_FIELD_ERRORS_KEY")) else field
            flat.setdefault(name, []).extend(_messages(messages))
        return flat
    return {BODY: _messages(detail)}


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    return [str(detail)]


def is_database_busy(error: Exception) -> bool:
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


def database_busy_response() -> JsonResponse:
    response = JsonResponse(
        error_body("The clinic's database is busy. Please retry in a moment.", "database_busy"),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
    response["Retry-After"] = str(RETRY_AFTER_BUSY)
    return response


def api_exception_handler(exc, context):
    """DRF's handler with our body shape, plus the booking domain's errors."""
    if isinstance(exc, BookingError):
        if isinstance(exc, SlotUnavailable):
            return Response(error_body(exc.message, exc.code), status=status.HTTP_409_CONFLICT)
        errors = {exc.field or BODY: [exc.message]}
        return Response(error_body(exc.message, exc.code, errors), status=status.HTTP_400_BAD_REQUEST)

    # Django's own 404 and 403 get DRF's codes, like every other error.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        first_field, first_messages = next(iter(errors.items()))
        detail = f"{first_field}: {first_messages[0]}" if first_field != BODY else first_messages[0]
        response.data = error_body(detail, "invalid", errors)
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(str(exc.detail), "parse_error", {BODY: [str(exc.detail)]})
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(detail), code if isinstance(code, str) else "error")
    return response


def _json_handler(http_status: int, detail: str, code: str):
    def handler(request, exception=None, reason=""):
        return JsonResponse(error_body(detail, code), status=http_status)

    return handler


bad_request = _json_handler(400, "Bad request.", "bad_request")
permission_denied = _json_handler(403, "You do not have permission to do this.", "permission_denied")
page_not_found = _json_handler(404, "Not found.", "not_found")
csrf_failure = _json_handler(
    403, "CSRF check failed. Send the CSRF token with session-authenticated writes.", "csrf_failed"
)


def server_error(request):
    return JsonResponse(error_body("Internal server error.", "server_error"), status=500)
