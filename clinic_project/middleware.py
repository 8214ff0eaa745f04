"""Request logging without patient data, and a busy SQLite database answered as 503, not 500."""

import logging
import time

from clinic_project.errors import database_busy_response, is_database_busy

request_log = logging.getLogger("scheduling.requests")
# URL parts that are secrets. No page or operation puts one in a URL any more, but an old link or client
# still may: the log names the route it matched instead of the path.
SECRET_URL_PARTS = frozenset({"hold_id"})


class RequestLogMiddleware:
    """One line per request: method, path, status, duration. Never the query string (an e-mailed link
    carries a token in it), never a secret in the path, and never the body (it carries patient details)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        request_log.info("%s %s %s %.1fms", request.method, logged_path(request), response.status_code, elapsed_ms)
        return response


def logged_path(request) -> str:
    matched = getattr(request, "resolver_match", None)
    if matched is not None and SECRET_URL_PARTS.intersection(matched.kwargs):
        return f"/{matched.route}"
    return request.path


class DatabaseBusyMiddleware:
    """A write that waited out the SQLite busy timeout becomes 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            # Which refusal it was (the driver's error class and SQLSTATE), never its text: a server's
            # message can quote the row's values.
            cause = exception.__cause__ or exception
            request_log.warning(
                "database busy: %s (SQLSTATE %s)", type(cause).__name__, getattr(cause, "sqlstate", None) or "-"
            )
            return database_busy_response()
        return None
