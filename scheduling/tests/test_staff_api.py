"""Staff list and filter bookings through the API; anonymous callers cannot."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_token(staff_key):
    return staff_key(
        staff_member(
            "desk", "scheduling.view_booking", "scheduling.view_every_practitioner", password="a-long-desk-password"
        )
    )


@pytest.fixture
def three_bookings(book, tomorrow):
    book(tomorrow, "09:00", patient_name="Ann")
    book(tomorrow, "10:00", "therapy", patient_name="Ben")
    book(tomorrow + timedelta(days=1), "09:00", patient_name="Cat")


def names(response):
    return [b["patient_name"] for b in response.json()["results"]]


def test_anonymous_callers_cannot_list_bookings(api, three_bookings):
    response = api.get("/api/calendly/bookings")
    assert response.status_code in (401, 403)
    assert "Ann" not in response.content.decode()


def test_a_non_staff_user_cannot_list_bookings(api, three_bookings):
    api.force_authenticate(User.objects.create_user("patient"))
    assert api.get("/api/calendly/bookings").status_code == 403


def test_staff_with_a_token_list_every_booking(api, staff_token, three_bookings):
    response = api.get("/api/calendly/bookings", HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert names(response) == ["Ann", "Ben", "Cat"]


def test_staff_with_a_session_filter_by_day_type_and_status(admin_client, three_bookings, tomorrow):
    url = "/api/calendly/bookings"
    one_day = {"start_date": tomorrow.isoformat(), "end_date": tomorrow.isoformat()}
    assert names(admin_client.get(url, one_day)) == ["Ann", "Ben"]
    assert names(admin_client.get(url, {"appointment_type": "therapy"})) == ["Ben"]
    assert names(admin_client.get(url, {"practitioner": "clinic", "status": "cancelled"})) == []


def test_bad_filters_name_the_field(admin_client):
    response = admin_client.get("/api/calendly/bookings", {"status": "maybe", "start_date": "soon"})
    assert response.status_code == 400
    assert {"status", "start_date"} <= set(response.json()["errors"])


def test_a_blank_filter_is_an_error_not_ignored(admin_client):
    response = admin_client.get("/api/calendly/bookings", {"status": ""})
    assert response.status_code == 400
    assert "blank" in response.json()["errors"]["status"][0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page_size", "0"),
        ("page_size", "501"),
        ("page_size", "null"),
        ("page", ""),
        ("page", "x"),
        # str.isdigit() is true for these, yet they are not the integer the schema promises.
        ("page", "\u00b2"),
        ("page_size", "\u0663"),
        ("page", "1" * 5000),
    ],
)
def test_a_bad_page_or_page_size_names_the_field(admin_client, name, value):
    response = admin_client.get("/api/calendly/bookings", {name: value})
    assert response.status_code == 400
    assert name in response.json()["errors"]


@pytest.mark.parametrize(("name", "value"), [("search", "rahul"), ("patient_email", "ann@example.com"), ("q", "Ann")])
def test_an_unknown_filter_is_a_400_naming_it_not_every_booking(admin_client, three_bookings, name, value):
    response = admin_client.get("/api/calendly/bookings", {name: value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [name]
    assert (
        "start_date, end_date, practitioner, appointment_type, status, page, page_size"
        in response.json()["errors"][name][0]
    )
    assert "Ann" not in response.content.decode()


def test_known_filters_and_pages_still_work_beside_the_refusal(admin_client, three_bookings, tomorrow):
    day = tomorrow.isoformat()
    query = {"start_date": day, "end_date": day, "status": "confirmed", "page": "1", "page_size": "1"}
    response = admin_client.get("/api/calendly/bookings", query)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert names(response) == ["Ann"]


def test_the_schema_lists_the_filters_the_list_accepts(admin_client):
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"] for p in schema["paths"]["/api/calendly/bookings"]["get"]["parameters"]}
    assert parameters == {"start_date", "end_date", "practitioner", "appointment_type", "status", "page", "page_size"}
