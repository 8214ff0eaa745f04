"""The OpenAPI schema integrators read: valid, complete, with its docs pages served locally."""

import pytest
from django.core.management import call_command

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
    assert "cdn" not in html.lower()
