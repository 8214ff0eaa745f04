"""OpenAPI additions that no single view can declare."""

from __future__ import annotations

from clinic_project.server_errors import HEADER_BYTES_LIMIT, HEADER_COUNT_LIMIT, URL_BYTES_LIMIT

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}

# gunicorn answers these itself, for any operation, before Django sees the request
# (clinic_project/server_errors.py gives them the same JSON body as every other error).
SERVER_REFUSALS = {
    "414": f"The URL is longer than {URL_BYTES_LIMIT} bytes: too many or too long query parameters.",
    "431": f"A header is longer than {HEADER_BYTES_LIMIT} bytes, or there are more than {HEADER_COUNT_LIMIT} headers.",
}


def document_server_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation can get 414 and 431."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in SERVER_REFUSALS.items():
                responses.setdefault(
                    status,
                    {"content": {"application/json": {"schema": ERROR_SCHEMA}}, "description": description},
                )
    return result
