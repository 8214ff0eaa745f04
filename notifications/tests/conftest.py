"""The core's fixtures (its clinic, clients, dates), a real SMTP server, and the job worker run in-process."""

from __future__ import annotations

import signal

import pytest
from django.core.management import call_command

from notifications.tests.mail import Inbox
from scheduling.tests.conftest import *  # noqa: F403 - the same clinic and clients as the core's tests
from scheduling.tests.live import free_port


@pytest.fixture
def mail_server_port(settings) -> int:
    """Where e-mail goes: SMTP on a free port of 127.0.0.1, nothing listening until a test starts it."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def inbox(mail_server_port):
    server = Inbox(mail_server_port).start()
    yield server
    server.stop()


@pytest.fixture
def run_worker(monkeypatch):
    """django-tasks-db's own worker command, in batch mode: runs every task due now, then returns.

    Its between-tasks connection check would close the test's transaction, so it is turned off here.
    """
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run() -> None:
        try:
            call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run
