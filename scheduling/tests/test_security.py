"""Production settings pass Django's deploy checks, and patient data never reaches the logs."""

import logging
import secrets
import subprocess
import sys

import pytest

from scheduling.tests.live import PROJECT

pytestmark = pytest.mark.django_db


def deploy_check(tmp_path, **env):
    base = {"DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "DJANGO_ALLOWED_HOSTS": "clinic.example"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = deploy_check(tmp_path, DJANGO_HTTPS="true", DJANGO_SECRET_KEY=secrets.token_urlsafe(60))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_does_catch_a_plain_http_setup(tmp_path):
    result = deploy_check(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(60))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_patient_details_and_tokens_never_reach_the_logs(api, book, tomorrow, caplog):
    caplog.set_level(logging.DEBUG)
    made = book(
        tomorrow, "10:00", patient_name="Zebedee Quill", patient_email="zq@example.com", patient_phone="+1 415 555 2671"
    ).json()
    token = made["manage_token"]
    api.get(f"/api/calendly/bookings/{made['booking_id']}", {"token": token})
    api.post(f"/api/calendly/bookings/{made['booking_id']}/cancel?token={token}", {"reason": "Gout"}, format="json")
    book(tomorrow, "10:10", patient_name="Zebedee Quill")  # a 400 is logged too
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("Zebedee", "zq@example.com", "555 2671", token, "Gout"):
        assert secret not in logged
    assert f"GET /api/calendly/bookings/{made['booking_id']} 200" in logged
    assert "POST /api/calendly/book 400" in logged


def test_every_request_is_logged_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="scheduling.requests")
    client.get("/healthz?token=secret-value")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "scheduling.requests"]
    method, path, status, duration = line.split()
    assert (method, path, status) == ("GET", "/healthz", "200")
    assert duration.endswith("ms")
