"""gunicorn settings for `make run`; each can be overridden from the environment (see docs/operations.md)."""

import multiprocessing
import os

from clinic_project import server_errors

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Request handling is CPU-bound Python with short database waits. Measured on 2 cores (bench/run.py,
# docs/performance.md): two single-threaded processes per core beat fewer processes, more threads
# (the GIL) and more processes (context switches, SQLite lock contention).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
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
