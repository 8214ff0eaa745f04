"""The OpenAPI schema integrators read: valid, complete, with its docs pages served locally."""

import re

import pytest
from django.core.management import call_command

from scheduling import clinic_time

pytestmark = pytest.mark.django_db


def test_schema_validates_with_warnings_as_failures():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_its_error_bodies(schema):
    book = schema["paths"]["/api/calendly/book"]["post"]
    assert {"200", "400", "409"} <= set(book["responses"])
    assert book["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    availability = schema["paths"]["/api/calendly/availability"]["get"]
    assert {"200", "400"} <= set(availability["responses"])
    params = {p["name"] for p in availability["parameters"]}
    assert {"date", "start_date", "end_date", "appointment_type", "practitioner"} <= params


def test_the_booking_request_is_documented_field_by_field(schema):
    request = schema["components"]["schemas"]["BookingRequestRequest"]
    assert set(request["required"]) == {"patient_name", "appointment_type", "date", "start_time"}
    assert request["properties"]["patient_name"]["maxLength"] == 200


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_assets_from_this_server(client, page):
    html = client.get(page).content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    # Every asset address is this server's own: no scheme-relative or absolute URL to anywhere else.
    # (Not merely "no 'cdn'": the page's random CSRF token spells it now and then.)
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets


def test_availability_is_documented_as_one_object_not_an_array(schema):
    ok = schema["paths"]["/api/calendly/availability"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/AvailabilityResult"}
    shapes = schema["components"]["schemas"]["AvailabilityResult"]["oneOf"]
    assert [s["$ref"].rsplit("/", 1)[1] for s in shapes] == ["Availability", "AvailabilityRange"]
    slots = schema["components"]["schemas"]["Availability"]["properties"]["available_slots"]
    assert slots["items"] == {"$ref": "#/components/schemas/AvailableSlot"}


def test_a_patient_e_mail_that_may_be_empty_is_not_documented_as_an_e_mail(schema):
    detail = schema["components"]["schemas"]["BookingDetail"]["properties"]["patient_email"]
    assert detail["type"] == "string" and "format" not in detail


def test_a_new_booking_links_to_its_own_operations(schema):
    links = schema["paths"]["/api/calendly/book"]["post"]["responses"]["200"]["links"]
    assert links["ViewBooking"]["parameters"] == {
        "booking_id": "$response.body#/booking_id",
        "token": "$response.body#/manage_token",
    }
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {link["operationId"] for link in links.values()} <= operation_ids


def test_request_examples_are_dated_from_today(schema):
    example = schema["paths"]["/api/calendly/book"]["post"]["requestBody"]["content"]["application/json"]["example"]
    assert example["date"] > clinic_time.today().isoformat()


def test_holds_and_the_front_desk_are_documented(schema):
    holds = schema["paths"]["/api/calendly/holds"]["post"]["responses"]
    assert {"201", "400", "409", "429"} <= set(holds)
    release = schema["paths"]["/api/calendly/holds/release"]["post"]
    assert {"204", "400", "404"} <= set(release["responses"])
    assert release["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/HoldReleaseRequest")
    # A hold's id is a secret: no operation takes it in its path or query (paths end up in logs).
    for path, operations in schema["paths"].items():
        assert "hold_id" not in path
        for operation in operations.values():
            assert "hold_id" not in [parameter["name"] for parameter in operation.get("parameters", [])]
    for action in ("check-in", "complete", "no-show"):
        responses = schema["paths"][f"/api/calendly/bookings/{{booking_id}}/{action}"]["post"]["responses"]
        assert {"200", "400", "401", "404"} <= set(responses)
    book = schema["components"]["schemas"]["BookRequestRequest"]["oneOf"]
    assert [s["$ref"].rsplit("/", 1)[1] for s in book] == ["BookingRequestRequest", "HeldBookingRequestRequest"]
