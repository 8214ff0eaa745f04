"""Fixtures every app's tests share: the prototype's clinic (created by migration), dates relative to today,
API clients, a real SMTP server, and the job worker run in-process. Each app's own conftest keeps only what
is its own; plain helpers live in named modules (scheduling/tests/live.py, outbox/tests/mail.py...).
"""

from __future__ import annotations

import signal
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts import tokens
from accounts.models import StaffToken
from outbox.tests.mail import Inbox
from scheduling.cache import local_entries
from scheduling.models import AppointmentType, OpeningHours, Practitioner
from scheduling.tests import migrated_world
from scheduling.tests.live import free_port


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests render admin pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test gets its own empty cache and throttle limits no test will reach unless it sets them."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.HOLDS_PER_CLIENT_AT_ONCE = settings.HOLDS_PER_CLIENT_PER_DAY = 10000
    from django.core.cache import cache

    cache.clear()
    local_entries.clear()
    rates = {"booking": "10000/minute", "manage": "10000/minute", "hold": "10000/minute", "waitlist": "10000/minute"}
    rates["manage_code"] = "10000/minute"
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    yield rates
    ScopedRateThrottle.THROTTLE_RATES = original


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def sign_in_past_mfa(db):
    """`sign_in_past_mfa(client, user)`: a staff session past both steps of signing in (the tests run with
    ADMIN_MFA_REQUIRED on, as production does); a fixture, so the core's tests need not import accounts."""
    from accounts.tests.signin import sign_in_past_mfa

    return sign_in_past_mfa


@pytest.fixture
def admin_client(client, admin_user, sign_in_past_mfa):
    """pytest-django's admin client, past the second step of signing in too."""
    sign_in_past_mfa(client, admin_user)
    return client


@pytest.fixture
def staff_key(db):
    """A new staff API key for a user, as a client sends it: `Authorization: Token <key>`."""

    def issue(user, name="Tests", days=1) -> str:
        return tokens.issue(StaffToken(user=user, name=name), days=days)

    return issue


EMPTIED = pytest.StashKey[bool]()


@pytest.fixture
def committing(request, transactional_db):
    """For a test whose writes commit (threads on their own connections): the database is emptied when it
    ends, and put back as the migrations left it for the tests that follow, whatever their order (see
    `pytest_runtest_teardown`: only after the emptying, which the database fixture does last)."""
    request.node.stash[EMPTIED] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    # After the last test the test database itself is gone: nothing to put back.
    if item.stash.get(EMPTIED, False) and nextitem is not None:
        with item.config.stash[blocking_manager_key].unblock():
            migrated_world.put_back()
    return result


@pytest.fixture
def clinic(db) -> Practitioner:
    """The single practitioner standing for the prototype's clinic: 09:00-17:00 every day, all three types."""
    return Practitioner.objects.get(slug="clinic")


def appointment_type_fixture(slug: str):
    @pytest.fixture
    def appointment_type(db) -> AppointmentType:
        return AppointmentType.objects.get(slug=slug)

    return appointment_type


consultation = appointment_type_fixture("consultation")
follow_up = appointment_type_fixture("follow-up")
therapy = appointment_type_fixture("therapy")


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def tomorrow(today) -> date:
    return today + timedelta(days=1)


@pytest.fixture
def make_practitioner(db):
    def make(slug, *, types, hours=((time(9), time(17)),), weekdays=range(7), name=None):
        practitioner = Practitioner.objects.create(slug=slug, name=name or slug.replace("-", " ").title())
        practitioner.appointment_types.set(types)
        OpeningHours.objects.bulk_create(
            OpeningHours(practitioner=practitioner, weekday=day, opens_at=opens, closes_at=closes)
            for day in weekdays
            for opens, closes in hours
        )
        return practitioner

    return make


@pytest.fixture
def book(api):
    """POST /api/calendly/book with the prototype's fields; returns the response."""

    def post(day, start_time, appointment_type="consultation", patient_name="Rahul Sharma", **extra):
        body = {
            "patient_name": patient_name,
            "appointment_type": appointment_type,
            "date": day.isoformat() if isinstance(day, date) else day,
            "start_time": start_time,
            **extra,
        }
        return api.post("/api/calendly/book", body, format="json")

    return post


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
