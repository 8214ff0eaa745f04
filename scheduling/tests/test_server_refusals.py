"""Requests gunicorn refuses before Django sees them still get the API's JSON error, and the schema says so."""

import http.client
import json

import pytest

from scheduling.tests.live import manage, request, server_env, servers

pytestmark = pytest.mark.live_server_process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("refusals")
    env = server_env(data_dir, f"sqlite:///{data_dir / 'db.sqlite3'}")
    manage(env, "migrate", "--noinput")
    with servers(env, workers=1) as (running,):
        yield running


def test_an_over_long_url_is_a_json_414_naming_the_url(server):
    status, body = request("GET", f"{server.url}/api/calendly/availability?date=" + "9" * 5000)
    assert status == 414
    assert body["code"] == "uri_too_long"
    assert body["errors"]["url"] == [body["detail"]]
    assert body["detail"].startswith("The URL is ")
    assert body["detail"].endswith("bytes long; the limit is 4094. Send fewer or shorter query parameters.")


def test_an_over_large_header_is_a_json_431_naming_the_headers(server):
    status, body = request(
        "GET", f"{server.url}/api/calendly/appointment-types", headers={"X-Manage-Token": "t" * 9000}
    )
    assert status == 431
    assert body["code"] == "headers_too_large"
    assert body["errors"]["headers"]


def test_a_url_just_under_the_limit_reaches_the_api(server):
    status, body = request("GET", f"{server.url}/api/calendly/availability?date=" + "9" * 3900)
    assert status == 400
    assert "date" in body["errors"]


@pytest.mark.django_db
def test_every_operation_documents_both_refusals_with_the_error_body(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert len(operations) >= 10
    for operation in operations:
        for status in ("414", "431"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].endswith("/ErrorResponse")


def test_an_oversized_body_gets_its_400_through_a_real_server(server):
    """Django refuses before reading the body. Closed with the body unread, the connection is reset and the
    client, still sending, never reads the answer (BrokenPipeError); the rest is read and dropped first."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    body = b'{"patient_name": "' + b"x" * 8_000_000 + b'"}'
    connection.request("POST", "/api/calendly/book", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["code"] == "body_too_large"
