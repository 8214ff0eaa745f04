"""gunicorn's own error answers (a request it refuses before Django sees it) in the API's JSON error shape.

gunicorn rejects an over-long URL (414), over-large headers (431) or a malformed request (400) itself and
writes an HTML page. API clients parse every error as `{detail, code, errors}`, so gunicorn.conf.py swaps
in `write_json_error`. This module must not import Django: it runs in gunicorn's master.
"""

from __future__ import annotations

import json
import re

from gunicorn import util

# gunicorn's defaults, set explicitly in gunicorn.conf.py so the schema (scheduling/openapi.py) quotes them.
URL_BYTES_LIMIT = 4094
HEADER_BYTES_LIMIT = 8190
HEADER_COUNT_LIMIT = 100

REQUEST_LINE_TOO_LONG = re.compile(r"Request Line is too large \((\d+) > (\d+)\)")
# What the request part each status is about is called in `errors`, as a field name is for a 400.
PART_AT_FAULT = {414: "url", 431: "headers"}
HINT = {
    414: "Send fewer or shorter query parameters.",
    431: "Send fewer or smaller headers.",
}
CODE = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "server_error",
    501: "not_implemented",
}


def json_error(status_int: int, reason: str, mesg: str) -> bytes:
    """A complete HTTP/1.1 response, closing the connection as gunicorn's own does."""
    # gunicorn says "Request Line is too large (5045 > 4094)"; a client knows the request line as its URL.
    if too_long := REQUEST_LINE_TOO_LONG.fullmatch(mesg):
        mesg = "The URL is {} bytes long; the limit is {}".format(*too_long.groups())
    said = (mesg or reason).rstrip(".") + "."
    problem = f"{said} {HINT[status_int]}" if status_int in HINT else said
    body = {
        "detail": problem,
        "code": CODE.get(status_int, "error"),
        "errors": {PART_AT_FAULT.get(status_int, "request"): [problem]},
    }
    # ensure_ascii keeps the body ASCII however odd the bytes gunicorn quotes back from the request.
    payload = json.dumps(body, ensure_ascii=True).encode("ascii")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        "\r\n"
    ).encode("latin-1")
    return head + payload


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for gunicorn.util.write_error, which every worker class calls from Worker.handle_error."""
    util.write_nonblock(sock, json_error(status_int, reason, mesg))


def install() -> None:
    util.write_error = write_json_error
