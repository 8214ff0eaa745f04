"""Every failure is JSON with a 4xx status; no request reaches a debug page or a 500."""

import logging

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/nope", "/api/calendly/", "/api/calendly/availability/", "/api/calendly/bookings/x/y"]
)
def test_unknown_paths_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/calendly/book"), ("delete", "/api/calendly/book"), ("post", "/api/calendly/availability")],
)
def test_wrong_methods_are_405_json(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_an_unknown_appointment_type_is_404_json(api):
    response = api.get("/api/calendly/appointment-types/surgery")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_database_locked_past_the_timeout_is_503_with_retry_after(api, monkeypatch, tomorrow, caplog):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked: the row of 'Ada Lovelace'")

    monkeypatch.setattr("scheduling.calendars.Calendars.load", locked)
    body = {
        "patient_name": "A",
        "appointment_type": "consultation",
        "date": tomorrow.isoformat(),
        "start_time": "10:00",
    }
    response = api.post("/api/calendly/book", body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["code"] == "database_busy"
    # The operator learns which refusal it was; the server's message, which may quote a row, is not logged.
    busy = [record.getMessage() for record in caplog.records if "busy" in record.getMessage()]
    assert busy == ["database busy: OperationalError (SQLSTATE -)"]
    assert "Ada" not in caplog.text


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def oversized_booking(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"patient_name": "Ada Lovelace ' + b"x" * 2000 + b'"}'
    return api.generic("POST", "/api/calendly/book", body, content_type="application/json")


def test_an_oversized_body_is_a_400_saying_the_limit(api, settings):
    response = oversized_booking(api, settings)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "body_too_large"
    assert body["errors"]["body"] == ["The request body is larger than the 1000 bytes this service reads."]


def test_an_oversized_body_is_logged_as_one_warning_line_without_the_body(api, settings, caplog):
    oversized_booking(api, settings)
    [refusal] = [record for record in caplog.records if record.name.startswith("django.security")]
    assert refusal.levelname == "WARNING"
    assert refusal.exc_info is None
    line = caplog.handler.format(refusal)
    assert "\n" not in line and "Traceback" not in line
    assert "Ada Lovelace" not in line
    assert "Content-Length 2033" in line
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
