"""Staff API tokens at the API: only a digest is stored, each expires, and a refused token is a 401 in the
API's JSON shape, never a 500."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from accounts import tokens
from accounts.models import StaffToken
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

STAFF_LIST = "/api/calendly/bookings"


@pytest.fixture
def desk(db):
    return staff_member("desk", "scheduling.view_booking", "scheduling.view_every_practitioner")


def staff_list(api, key: str):
    return api.get(STAFF_LIST, HTTP_AUTHORIZATION=f"Token {key}")


def assert_refused(response, code: str):
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code"}
    assert response.headers["WWW-Authenticate"] == "Token"


def test_the_database_keeps_a_digest_of_the_key_never_the_key(api, desk):
    key = tokens.issue(StaffToken(user=desk, name="Nightly export"), days=30)
    assert key.startswith("clinic_") and len(key) == len("clinic_") + 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_stafftoken")
        (row,) = cursor.fetchall()
    assert key not in [str(value) for value in row]
    assert StaffToken.objects.get().token_key == key[:15]  # enough to find the row, useless to sign in
    assert staff_list(api, key).status_code == 200


def test_each_token_is_named_and_a_user_may_hold_several(api, desk):
    tablet = tokens.issue(StaffToken(user=desk, name="Front desk tablet"), days=30)
    export = tokens.issue(StaffToken(user=desk, name="Nightly export"), days=30)
    assert sorted(desk.staff_tokens.values_list("name", flat=True)) == ["Front desk tablet", "Nightly export"]
    assert staff_list(api, tablet).status_code == staff_list(api, export).status_code == 200


def test_a_token_opens_the_api_until_its_expiry_then_gets_401(api, desk):
    issued_at = timezone.now()
    key = tokens.issue(StaffToken(user=desk, name="Script"), days=7, now=issued_at)
    with time_machine.travel(issued_at + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert staff_list(api, key).status_code == 200
    with time_machine.travel(issued_at + timedelta(days=7), tick=False):
        assert_refused(staff_list(api, key), "token_expired")
    assert StaffToken.objects.filter(name="Script").exists(), "kept, so the admin lists it as expired"


@pytest.mark.parametrize(
    "credential",
    [
        "clinic_" + "0" * 64,  # the right shape, never issued
        "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",  # a key of the DRF tokens this replaces, not converted
        "clinic_\u00e9\u00e9",  # not ASCII
    ],
)
def test_an_unknown_key_gets_401_in_the_apis_shape(api, desk, credential):
    assert_refused(staff_list(api, credential), "authentication_failed")


def test_a_key_that_is_not_utf8_gets_401_not_500(api, desk):
    # Headers arrive as Latin-1; knox decoded the key as UTF-8 and raised on this.
    response = api.generic("GET", STAFF_LIST, HTTP_AUTHORIZATION="Token clinic_\xff\xfe")
    assert_refused(response, "authentication_failed")


def test_the_token_of_a_deactivated_user_gets_401(api, desk):
    key = tokens.issue(StaffToken(user=desk, name="Script"), days=7)
    desk.is_active = False
    desk.save()
    assert_refused(staff_list(api, key), "authentication_failed")


def test_the_token_of_someone_no_longer_staff_opens_nothing_of_staff(api, desk):
    key = tokens.issue(StaffToken(user=desk, name="Script"), days=7)
    User.objects.filter(pk=desk.pk).update(is_staff=False)
    assert staff_list(api, key).status_code == 403


def test_last_use_is_recorded_to_the_minute(api, desk):
    key = tokens.issue(StaffToken(user=desk, name="Script"), days=7)
    first = timezone.now().replace(microsecond=0)
    with time_machine.travel(first, tick=False):
        staff_list(api, key)
    with time_machine.travel(first + timedelta(seconds=30), tick=False):
        staff_list(api, key)  # within the minute: no second write
    assert StaffToken.objects.get().last_used_at == first
    with time_machine.travel(first + timedelta(minutes=2), tick=False):
        staff_list(api, key)
    assert StaffToken.objects.get().last_used_at == first + timedelta(minutes=2)


def test_the_schema_says_how_staff_authenticate(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["in"] == "header" and scheme["name"] == "Authorization"
    assert "create_staff_token" in scheme["description"] and "expires" in scheme["description"]
