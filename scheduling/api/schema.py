"""What the API's operations declare to OpenAPI beyond their serializers: the error answers they share and
the parameters of a patient's own booking. The waitlist's and webhooks' APIs declare theirs from here too,
never from another app's views."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from scheduling.api import serializers
from scheduling.api.idempotency import PARAMETER as IDEMPOTENCY_KEY

INVALID = OpenApiResponse(serializers.ErrorResponse, description="The request names a field that is wrong, and why.")
TAKEN = OpenApiResponse(serializers.ErrorResponse, description="The time is taken or no longer available.")
CHANGED = OpenApiResponse(
    serializers.ErrorResponse, description="The booking was changed meanwhile (`booking_changed`); nothing was written."
)
NOT_FOUND = OpenApiResponse(serializers.ErrorResponse, description="No such booking, or the manage token is wrong.")
EXPIRED = OpenApiResponse(
    serializers.ErrorResponse,
    description="The manage token is right but its link has expired (`link_expired`), "
    "`MANAGE_LINK_DAYS_AFTER_VISIT` days after the visit; the detail says whom to call.",
)
KEY_REUSED = OpenApiResponse(serializers.ErrorResponse, description="The Idempotency-Key was used with another body.")
THROTTLED = OpenApiResponse(
    serializers.ErrorResponse,
    description=(
        "Too many requests (`throttled`), or, for a hold, as many holds as one client may have at once or in a "
        "day (`too_many_holds`); retry after `Retry-After` seconds."
    ),
)
MISSING = OpenApiResponse(serializers.ErrorResponse, description="No such object.")
STAFF_ONLY = OpenApiResponse(serializers.ErrorResponse, description="A staff login (token or session) is required.")


def manage_token_parameters(of: str) -> list[OpenApiParameter]:
    """The patient's credential for `of` ("booking", "course"), in the query or as a header."""
    return [
        OpenApiParameter("token", str, OpenApiParameter.QUERY, required=False, description=f"The {of}'s manage token."),
        OpenApiParameter(
            "X-Manage-Token", str, OpenApiParameter.HEADER, required=False, description="The manage token, as a header."
        ),
    ]


MANAGE_TOKEN = manage_token_parameters("booking")
COURSE_MANAGE_TOKEN = manage_token_parameters("course")


TOO_LATE_FOR_A_PATIENT = (
    " A patient (with the manage token) is also refused once the booking has started (`already_started`) "
    "or inside its type's `patient_change_cutoff_minutes` (`too_late_to_change`); the detail says whom to call."
)


def patient_change_schema(summary: str, request, conflict: OpenApiResponse):
    """A change the patient makes with their manage token (or staff make), safe to retry with a key."""
    conflict = OpenApiResponse(conflict.response, description=conflict.description + TOO_LATE_FOR_A_PATIENT)
    return extend_schema(
        summary=summary,
        parameters=[*MANAGE_TOKEN, IDEMPOTENCY_KEY],
        request=request,
        responses={
            200: serializers.BookingDetail,
            400: INVALID,
            404: NOT_FOUND,
            409: conflict,
            410: EXPIRED,
            422: KEY_REUSED,
            429: THROTTLED,
        },
    )


def front_desk_schema(summary: str):
    return extend_schema(
        summary=summary,
        request=None,
        responses={
            200: serializers.BookingDetail,
            400: INVALID,
            401: STAFF_ONLY,
            403: STAFF_ONLY,
            404: MISSING,
            409: CHANGED,
        },
    )
