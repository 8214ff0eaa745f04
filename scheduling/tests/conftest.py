"""Fixtures: the prototype's clinic (created by migration), dates relative to today, API clients."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from scheduling.cache import local_entries
from scheduling.models import AppointmentType, OpeningHours, Practitioner


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
    from django.core.cache import cache

    cache.clear()
    local_entries.clear()
    rates = {"booking": "10000/minute", "manage": "10000/minute", "hold": "10000/minute", "waitlist": "10000/minute"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    yield rates
    ScopedRateThrottle.THROTTLE_RATES = original


@pytest.fixture
def api():
    return APIClient()


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
def availability(api):
    def get(day, appointment_type="consultation", **params):
        query = {"date": day.isoformat(), "appointment_type": appointment_type, **params}
        return api.get("/api/calendly/availability", query)

    return get


def starts(response) -> list[str]:
    return [slot["start"] for slot in response.json()["available_slots"]]
