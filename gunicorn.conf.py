"""gunicorn settings for `make run`; each can be overridden from the environment (see docs/operations.md)."""

import multiprocessing
import os

from clinic_project import server_errors

wsgi_app = "clinic_project.wsgi"  # what the Procfile names too; the bench and live tests start it from here
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Request handling is CPU-bound Python with short database waits: two processes per core (docs/performance.md).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# A client that sends its request slowly holds whatever reads it: with sync workers, 4 such connections took
# the whole site down. gthread reads each request in a thread of its own, and an idle thread waiting on a
# slow client costs no CPU, so 256 per process keep /healthz and availability answering with 200 slow
# connections at the CPU cost per request of sync workers. ASGI workers (gunicorn's own, uvicorn) also
# passed but cost 2-2.5x the CPU per request, in thread hops to Django's sync code (docs/performance.md).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 256))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 10
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
# The request log comes from scheduling.middleware, which leaves query strings (manage tokens) out.
accesslog = None
errorlog = "-"

# Requests gunicorn refuses itself (an over-long URL, oversized headers) get the API's JSON error body.
limit_request_line = server_errors.URL_BYTES_LIMIT
limit_request_field_size = server_errors.HEADER_BYTES_LIMIT
limit_request_fields = server_errors.HEADER_COUNT_LIMIT
server_errors.install()
