"""Upgrading: each DRF token (kept in clear until this release) becomes a named, expiring digest that the
same script's header still opens, and DRF's table of clear keys is gone."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from accounts.models import StaffToken
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
initial = importlib.import_module("accounts.migrations.0001_initial")


@pytest.fixture
def desk_with_a_drf_token(db):
    """DRF's authtoken table as c0349c3 left it, with the desk's key. (The test's transaction drops it again.)"""
    desk = staff_member("desk", "scheduling.view_booking", "scheduling.view_every_practitioner")
    timestamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created {timestamp} NOT NULL, '
            "user_id integer NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [OLD_KEY, timezone.now(), desk.pk])
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    return desk


def test_an_old_token_keeps_working_as_a_digest_with_a_name_and_expiry(desk_with_a_drf_token, api, settings):
    # The migration's own function, inside the test's transaction (the executor cannot run in one on SQLite).
    initial.convert_drf_tokens(apps, connection.schema_editor(atomic=False))

    token = StaffToken.objects.get()
    assert token.user == desk_with_a_drf_token
    assert token.name.startswith("Old token (made ")
    assert OLD_KEY not in (token.digest, token.token_key)
    days = timedelta(days=settings.STAFF_TOKEN_DAYS)
    assert token.expiry - timezone.now() == pytest.approx(days, abs=timedelta(minutes=1))
    assert api.get("/api/calendly/bookings", HTTP_AUTHORIZATION=f"Token {OLD_KEY}").status_code == 200
    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()


def test_a_new_installation_has_nothing_to_convert(db):
    initial.convert_drf_tokens(apps, connection.schema_editor(atomic=False))
    assert not StaffToken.objects.exists()
