"""Inputs an attacker or a broken client sends: each gets a 400 that names the problem, never a 500."""

import pytest

from scheduling.models import Booking

pytestmark = pytest.mark.django_db


def raw_post(api, payload: bytes, content_type="application/json"):
    return api.generic("POST", "/api/calendly/book", payload, content_type=content_type)


def valid(tomorrow) -> dict:
    return {
        "patient_name": "A",
        "appointment_type": "consultation",
        "date": tomorrow.isoformat(),
        "start_time": "10:00",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("patient_name", "Ann\x00e"),
        ("appointment_type", "consul\x00tation"),
        ("date", 1e308),
        ("date", 10**400),
        ("date", "9999-12-31"),
        ("date", "0001-01-01"),
        ("date", "+275760-09-13"),
        ("start_time", 99999999999999999999),
        ("start_time", "10:00\x00"),
        ("practitioner", {"$ne": None}),
        ("reason_for_visit", "x" * 1_000_001),
    ],
)
def test_hostile_values_are_400_naming_the_field(api, tomorrow, field, value):
    response = api.post("/api/calendly/book", {**valid(tomorrow), field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        b'{"patient_name": "\xff\xfe"}',  # not UTF-8
        '{"patient_name": "A"}'.encode("utf-16"),
        b'{"date": NaN}',
        b'{"date": Infinity}',
        b"\x00\x00\x00",
        b'{"a":' * 10000 + b"1" + b"}" * 10000,  # deeply nested
    ],
)
def test_undecodable_or_odd_json_is_400(api, payload):
    response = raw_post(api, payload)
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "date=2026-01-01%00&appointment_type=consultation",
        "date=%ff%fe&appointment_type=consultation",
        "date=99999999999999999999&appointment_type=consultation",
        "appointment_type=consultation&start_date=0001-01-01&end_date=9999-12-31",
    ],
)
def test_hostile_query_strings_are_400(api, query):
    response = api.get(f"/api/calendly/availability?{query}")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_lone_surrogate_in_a_name_is_400_naming_the_field(api, tomorrow):
    body = (
        '{"patient_name": "\\ud800", "appointment_type": "consultation", '
        f'"date": "{tomorrow.isoformat()}", "start_time": "10:00"}}'
    )
    response = raw_post(api, body.encode())
    assert response.status_code == 400
    assert "patient_name" in response.json()["errors"]


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    ("field", "spelling"),
    [
        ("date", lambda day: day.isoformat().translate(ARABIC_INDIC_DIGITS)),
        ("date", lambda day: day.strftime("%Y%m%d")),  # ISO 8601 basic form, which date.fromisoformat takes
        ("start_time", lambda day: "10:00".translate(ARABIC_INDIC_DIGITS)),
        ("start_time", lambda day: "1000"),
    ],
)
def test_dates_and_times_only_in_the_documented_ascii_form(api, tomorrow, field, spelling):
    """The schema promises YYYY-MM-DD and HH:MM; what Python's parsers would also take is still a 400."""
    body = {**valid(tomorrow), field: spelling(tomorrow)}
    response = api.post("/api/calendly/book", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Booking.objects.count() == 0


def test_staff_date_filters_only_in_the_documented_form(admin_client, tomorrow):
    response = admin_client.get("/api/calendly/bookings", {"start_date": tomorrow.strftime("%Y%m%d")})
    assert response.status_code == 400
    assert "start_date" in response.json()["errors"]
