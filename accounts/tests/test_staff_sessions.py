"""A staff session ends after 30 minutes without a request, and 12 hours after signing in whatever the activity."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db

BOOKINGS_API = "/api/calendly/bookings"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_each_request_keeps_the_session_alive_and_30_idle_minutes_end_it(clock, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    for _ in range(3):
        clock.shift(timedelta(minutes=29))
        assert admin_client.get("/admin/").status_code == 200
    clock.shift(timedelta(minutes=30))
    response = admin_client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_twelve_hours_after_signing_in_the_session_ends_however_busy(clock, admin_client):
    admin_client.get("/admin/")
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.shift(timedelta(minutes=20))
        assert admin_client.get("/admin/").status_code == 200
    clock.shift(timedelta(minutes=20))
    response = admin_client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert "12 hours after signing in" in response.content.decode()


def test_an_ended_session_no_longer_counts_as_staff_on_the_api(clock, admin_client):
    assert admin_client.get(BOOKINGS_API).status_code == 200
    clock.shift(timedelta(minutes=31))
    assert admin_client.get(BOOKINGS_API).status_code in (401, 403)


def test_the_limits_are_settings(clock, admin_client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    admin_client.get("/admin/")
    clock.shift(timedelta(minutes=6))
    assert admin_client.get("/admin/").status_code == 302
