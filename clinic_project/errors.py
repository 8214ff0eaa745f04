"""One JSON error body for every failure, `{detail, code, errors}`: Django's own error views, the CSRF
failure view, and a busy SQLite database answered as 503 rather than 500."""

from __future__ import annotations

from django.db import OperationalError
from django.http import JsonResponse

# Seconds a client should wait when the database was too busy to take its write.
RETRY_AFTER_BUSY = 2


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def is_database_busy(error: Exception) -> bool:
    return isinstance(error, OperationalError) and "locked" in str(error).lower()


def database_busy_response() -> JsonResponse:
    response = JsonResponse(
        error_body("The clinic's database is busy. Please retry in a moment.", "database_busy"), status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_BUSY)
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
