"""OpenAPI additions that no single view can declare: gunicorn's own refusals, links from a new booking
to its own operations, and request examples that succeed (dated from the day the schema is served)."""

from __future__ import annotations

from datetime import timedelta

from clinic_project.server_errors import HEADER_BYTES_LIMIT, HEADER_COUNT_LIMIT, URL_BYTES_LIMIT
from scheduling import clinic_time

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}

# gunicorn answers these itself, for any operation, before Django sees the request
# (clinic_project/server_errors.py gives them the same JSON body as every other error).
SERVER_REFUSALS = {
    "414": f"The URL is longer than {URL_BYTES_LIMIT} bytes: too many or too long query parameters.",
    "431": f"A header is longer than {HEADER_BYTES_LIMIT} bytes, or there are more than {HEADER_COUNT_LIMIT} headers.",
}

BOOKING = {"booking_id": "$response.body#/booking_id"}
AS_ITS_PATIENT = {**BOOKING, "token": "$response.body#/manage_token"}
# Where a confirmation leads: the booking's own operations, with the id and token it carries.
BOOKING_LINKS = {
    "ViewBooking": ("calendly_bookings_retrieve", AS_ITS_PATIENT, "See the booking, with its manage token."),
    "CancelBooking": ("calendly_bookings_cancel_create", AS_ITS_PATIENT, "Cancel it, with its manage token."),
    "RescheduleBooking": ("calendly_bookings_reschedule_create", AS_ITS_PATIENT, "Move it, with its manage token."),
    "BookingHistory": ("calendly_bookings_events_list", BOOKING, "Its history (staff)."),
    "CheckIn": ("calendly_bookings_check_in_create", BOOKING, "The patient has arrived (staff)."),
    "Complete": ("calendly_bookings_complete_create", BOOKING, "The visit took place (staff)."),
    "NoShow": ("calendly_bookings_no_show_create", BOOKING, "The patient did not come (staff)."),
}
SERIES = {"series_id": "$response.body#/series_id"}
# Where a booked course leads: its own operations, as its patient (each visit is a booking, in `booking_ids`).
SERIES_LINKS = {
    "ViewSeries": (
        "calendly_series_retrieve",
        {**SERIES, "token": "$response.body#/manage_token"},
        "See the course, with its manage token.",
    ),
    "CancelSeries": (
        "calendly_series_cancel_create",
        {**SERIES, "token": "$response.body#/manage_token"},
        "Cancel its visits from one on, with its manage token.",
    ),
}
# A hold's id goes in request bodies only (never a URL), so its link fills the body, not a parameter.
HOLD_LINKS = {
    "ReleaseHold": ("calendly_holds_release_create", {}, "Let the time go."),
}
HOLD_BODIES = {"ReleaseHold": {"hold_id": "$response.body#/hold_id"}}


def document_server_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation can get 414 and 431."""
    for operation in operations_in(result):
        responses = operation.setdefault("responses", {})
        for status, description in SERVER_REFUSALS.items():
            responses.setdefault(
                status,
                {"content": {"application/json": {"schema": ERROR_SCHEMA}}, "description": description},
            )
    return result


def staff_only_fields_optional(result, generator, request, public):
    """drf-spectacular postprocessing hook: a booking's staff-only fields (`BookingDetail.STAFF_ONLY_FIELDS`)
    are left out of the patient's answer, so no schema may require them (generated clients would refuse it)."""
    from scheduling.api.serializers import BookingDetail

    for schema in result.get("components", {}).get("schemas", {}).values():
        properties = schema.get("properties", {})
        if all(name in properties for name in BookingDetail.STAFF_ONLY_FIELDS) and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in BookingDetail.STAFF_ONLY_FIELDS]
    return result


def link_and_exemplify(result, generator, request, public):
    """drf-spectacular postprocessing hook: links and examples, so clients (and the fuzzer) can follow a
    booking from its creation through every operation on it."""
    operations = {operation["operationId"]: operation for operation in operations_in(result)}
    link(operations["calendly_book_create"], "200", BOOKING_LINKS)
    link(operations["calendly_holds_create"], "201", HOLD_LINKS)
    for name, body in HOLD_BODIES.items():
        links = operations["calendly_holds_create"]["responses"]["201"]["links"][name]
        del links["parameters"]
        links["requestBody"] = body
    tomorrow = clinic_time.today() + timedelta(days=1)
    day_after = tomorrow + timedelta(days=1)
    example_body(
        operations["calendly_book_create"],
        {
            "patient_name": "Rahul Sharma",
            "appointment_type": "consultation",
            "date": f"{tomorrow}",
            "start_time": "10:00",
        },
    )
    example_body(
        operations["calendly_holds_create"],
        {"appointment_type": "consultation", "date": f"{tomorrow}", "start_time": "11:00"},
    )
    example_body(operations["calendly_bookings_reschedule_create"], {"date": f"{day_after}", "start_time": "14:00"})
    example_body(operations["calendly_bookings_cancel_create"], {"reason": "Feeling better"})
    link(operations["calendly_series_create"], "201", SERIES_LINKS)
    # A weekly course of therapy from next week: the prototype's therapy is not opted in, so only staff book it so.
    course = {
        "appointment_type": "therapy",
        "start_date": f"{tomorrow + timedelta(days=6)}",
        "start_time": "10:00",
        "weekdays": [f"{tomorrow + timedelta(days=6):%A}".lower()],
        "count": 8,
        "on_conflict": "skip",
    }
    example_body(operations["calendly_series_preview_create"], course)
    example_body(operations["calendly_series_create"], {**course, "patient_name": "Rahul Sharma"})
    example_body(operations["calendly_series_cancel_create"], {"from_index": 3, "reason": "Feeling better"})
    for parameter in operations["calendly_availability_list"]["parameters"]:
        example = {"date": f"{tomorrow}", "appointment_type": "consultation"}.get(parameter["name"])
        if example:
            parameter["example"] = example
    return result


def operations_in(result):
    for path in result.get("paths", {}).values():
        yield from path.values()


def link(operation: dict, status: str, links: dict) -> None:
    operation["responses"][status]["links"] = {
        name: {"operationId": operation_id, "parameters": parameters, "description": description}
        for name, (operation_id, parameters, description) in links.items()
    }


def example_body(operation: dict, example: dict) -> None:
    operation["requestBody"]["content"]["application/json"]["example"] = example
