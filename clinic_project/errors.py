"""One JSON error body for every failure, `{detail, code, errors}`: Django's own error views, the CSRF
failure view, and a busy SQLite database answered as 503 rather than 500; and requests too large to read
logged as one line."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
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


def too_large(exception: Exception) -> tuple[str, str] | None:
    """What to tell a client whose request Django refused to read, and the code; None for other 400s."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return f"The request body is larger than the {limit} bytes this service reads.", "body_too_large"
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return "The request has more fields than this service reads.", "too_many_fields"
    return None


# How much of a refused body is read and dropped so that the client, still sending, can read the 400: a
# client that sends more than this many times the limit gets the connection closed instead.
DRAINED_BODIES_UP_TO = 4


def _drained(request) -> None:
    """Read the rest of a body Django refused to read: closing a connection with data unread makes the kernel
    reset it, and the client, still sending, loses the answer."""
    left = DRAINED_BODIES_UP_TO * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        while left > 0 and (chunk := request.read(min(left, 1 << 16))):
            left -= len(chunk)
    except OSError:  # the client went away (Django's UnreadablePostError is one)
        pass


def bad_request(request, exception=None):
    if refused := too_large(exception):
        _drained(request)
        detail, code = refused
        return JsonResponse(error_body(detail, code, {"body": [detail]}), status=400)
    return JsonResponse(error_body("Bad request.", "bad_request"), status=400)


class OneLineRefusal(logging.Filter):
    """Django logs a request it refused to read (too large, too many fields) at ERROR, with a traceback. It
    is a client's mistake or an attack, not the service's: one WARNING line, saying only what was refused,
    with no part of the request (the request log has the method, path and status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        length = (request.META.get("CONTENT_LENGTH") if request is not None else None) or "unknown"
        record.msg, record.args = "Refused a request: %s (Content-Length %s)", (record.getMessage(), length)
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = record.stack_info = None
        return True


permission_denied = _json_handler(403, "You do not have permission to do this.", "permission_denied")
page_not_found = _json_handler(404, "Not found.", "not_found")
csrf_failure = _json_handler(
    403, "CSRF check failed. Send the CSRF token with session-authenticated writes.", "csrf_failed"
)


def server_error(request):
    return JsonResponse(error_body("Internal server error.", "server_error"), status=500)
