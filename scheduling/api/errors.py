"""DRF's errors and the booking domain's in the project's one JSON shape: `detail` for people, `code` for
programs, `errors` per field."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from clinic_project.errors import error_body
from scheduling.api.permissions import StaffOnlyField
from scheduling.api.serializers import Alternative
from scheduling.api.series_serializers import CourseDate
from scheduling.bookings.series import CourseRefused
from scheduling.links import expired_link_message
from scheduling.rules import (
    AnswersRefused,
    BookingChanged,
    BookingError,
    SlotUnavailable,
    TooLateToChange,
    TooManyHolds,
)
from scheduling.tokens import LinkExpired

BODY = "body"
# Codes of the write path's refusals that a serializer may give first (it knows them before any write):
# the body keeps the code, so a client sees the same answer whichever refused.
WRITE_PATH_CODES = frozenset({"booking_horizon"})
# Domain errors that mean "the calendar (or the clock) moved under you", not "your request is wrong".
CONFLICTS = (SlotUnavailable, BookingChanged, TooLateToChange)


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


def _write_path_code(exc: exceptions.ValidationError) -> str | None:
    """The write path's code when a serializer refused with one alone, as the write path would have."""
    codes = exc.get_codes()
    found = {code for value in codes.values() for code in value} if isinstance(codes, dict) else set()
    return next(iter(found)) if len(found) == 1 and found <= WRITE_PATH_CODES else None


def api_exception_handler(exc, context):
    """DRF's handler with our body shape, plus the booking domain's errors."""
    if isinstance(exc, LinkExpired):  # the right token, past its end: gone for good, and nothing of the booking
        return Response(error_body(expired_link_message(), exc.code), status=status.HTTP_410_GONE)
    if isinstance(exc, BookingError):
        if isinstance(exc, TooManyHolds):
            response = Response(error_body(exc.message, exc.code), status=status.HTTP_429_TOO_MANY_REQUESTS)
            response["Retry-After"] = str(exc.retry_after_seconds)
            return response
        if isinstance(exc, CONFLICTS):
            body = error_body(exc.message, exc.code)
            alternatives = getattr(exc, "alternatives", None)  # a pinned unit was taken: what else would do
            if alternatives is not None:
                body["alternatives"] = Alternative(alternatives, many=True).data
            if isinstance(exc, CourseRefused):  # which dates could not be booked, and what would do instead
                body["occurrences"] = CourseDate(exc.dates, many=True).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        # Intake answers are refused per question: {"answers": {slug: [messages]}}.
        errors = {exc.field: exc.errors} if isinstance(exc, AnswersRefused) else {exc.field or BODY: [exc.message]}
        return Response(error_body(exc.message, exc.code, errors), status=status.HTTP_400_BAD_REQUEST)

    if isinstance(exc, StaffOnlyField):
        body = error_body(exc.message, "staff_only", {exc.field: [exc.message]})
        return Response(body, status=status.HTTP_403_FORBIDDEN)

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
        code = _write_path_code(exc)
        response.data = error_body(first_messages[0] if code else detail, code or "invalid", errors)
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body(str(exc.detail), "parse_error", {BODY: [str(exc.detail)]})
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(str(detail), code if isinstance(code, str) else "error")
    return response
