"""Patients' privacy requests by API (with the manage token), and staff handling them in the admin: the list of
open requests, the link to the patient's record, closing one as done or declined with a note."""

from __future__ import annotations

import pytest
from django.contrib import admin

from scheduling.models import Booking, Patient, PatientDataRead, PrivacyRequest
from scheduling.patients import privacy_requests
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

HANDLERS = ("scheduling.view_privacyrequest", "scheduling.change_privacyrequest")


@pytest.fixture
def booked(book, tomorrow) -> dict:
    made = book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()
    return {"reference": made["booking_id"], "token": made["manage_token"]}


def ask(api, booked, kind="copy", token=None):
    return api.post(
        f"/api/calendly/bookings/{booked['reference']}/privacy-request",
        {"kind": kind},
        format="json",
        HTTP_X_MANAGE_TOKEN=booked["token"] if token is None else token,
    )


def test_a_patient_asks_by_api_and_a_second_ask_finds_the_first(api, booked):
    first = ask(api, booked, "erasure")
    assert first.status_code == 201, first.json()
    assert first.json()["kind"] == "erasure" and first.json()["status"] == "open"
    assert first.json()["already_asked"] is False
    assert "The clinic will contact you" in first.json()["detail"]
    again = ask(api, booked, "erasure")
    assert again.status_code == 200
    assert again.json()["already_asked"] is True
    assert again.json()["requested_at"] == first.json()["requested_at"]
    assert PrivacyRequest.objects.get().patient == Booking.objects.get().patient
    assert Patient.objects.get().erased_at is None  # nothing is erased by asking


def test_a_wrong_token_or_an_unknown_booking_is_404_and_a_wrong_kind_400(api, booked):
    assert ask(api, booked, token="wrong").status_code == 404
    assert ask(api, {**booked, "reference": "bk_nothing"}).status_code == 404
    refused = ask(api, booked, "everything")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["kind"]
    assert not PrivacyRequest.objects.exists()


def test_staff_cannot_ask_for_a_patient_without_the_token(api, booked, staff_key):
    key = staff_key(staff_member("desk", "scheduling.view_booking", "scheduling.change_booking"))
    refused = api.post(
        f"/api/calendly/bookings/{booked['reference']}/privacy-request",
        {"kind": "copy"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert refused.status_code == 404
    assert not PrivacyRequest.objects.exists()


def test_a_request_of_a_merged_record_goes_to_the_record_that_stayed(booked):
    booking = Booking.objects.get()
    stayed = Patient.objects.create(given_name="Ada", family_name="Lovelace")
    Patient.objects.filter(pk=booking.patient_id).update(merged_into=stayed)
    asked, made = privacy_requests.ask(Booking.objects.get(), "copy")
    assert made and asked.patient == stayed


@pytest.fixture
def officer(client, sign_in_past_mfa):
    user = staff_member("officer", *HANDLERS)
    sign_in_past_mfa(client, user)
    return user


def test_staff_list_the_open_requests_and_the_reads_are_logged(client, api, booked, officer):
    ask(api, booked, "copy")
    done = PrivacyRequest.objects.get()
    privacy_requests.handle(done, status="done", note="Sent by post", by=officer)
    ask(api, booked, "erasure")
    page = client.get("/admin/scheduling/privacyrequest/")
    assert page.status_code == 200
    shown = page.content.decode()
    patient = Booking.objects.get().patient
    assert patient.reference in shown
    assert [asked.kind for asked in page.context_data["cl"].result_list] == ["erasure"]  # the open one
    every = client.get("/admin/scheduling/privacyrequest/?status=all").context_data["cl"].result_list
    assert sorted(asked.kind for asked in every) == ["copy", "erasure"]
    first_read = PatientDataRead.objects.order_by("pk").first()
    assert (first_read.patient, first_read.action, first_read.actor) == (patient, "listed", officer)
    if admin.site.is_registered(Patient):  # the patient's page, with the export and the erasure
        assert f"/admin/scheduling/patient/{patient.pk}/change/" in shown


def test_staff_close_a_request_with_a_note_and_a_refusal_needs_one(client, api, booked, officer):
    ask(api, booked, "erasure")
    asked = PrivacyRequest.objects.get()
    url = f"/admin/scheduling/privacyrequest/{asked.pk}/change/"
    refused = client.post(url, {"status": "declined", "staff_note": ""})
    assert refused.status_code == 200
    assert "Say why the request is declined." in refused.content.decode()
    still_open = client.post(url, {"status": "open", "staff_note": "thinking"})
    assert "Mark the request done or declined." in still_open.content.decode()
    assert PrivacyRequest.objects.get().status == "open"

    closed = client.post(url, {"status": "declined", "staff_note": "Records kept for the retention period"})
    assert closed.status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.handled_by, asked.staff_note) == (
        "declined",
        officer,
        "Records kept for the retention period",
    )
    assert asked.handled_at is not None
    assert ask(api, booked, "erasure").status_code == 201  # closed, so a new ask is a new request


def test_staff_without_the_permission_do_not_see_the_requests(client, api, booked, sign_in_past_mfa):
    ask(api, booked, "copy")
    sign_in_past_mfa(client, staff_member("desk", "scheduling.view_booking"))
    assert client.get("/admin/scheduling/privacyrequest/").status_code == 403
    assert not PatientDataRead.objects.exists()


def test_patients_ask_and_staff_cannot_add_or_delete_requests(client, officer):
    assert client.get("/admin/scheduling/privacyrequest/add/").status_code == 403


def test_the_privacy_officer_and_the_manager_roles_handle_requests():
    from django.contrib.auth.models import Group

    for role in ("privacy officer", "manager"):
        held = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert {"view_privacyrequest", "change_privacyrequest"} <= held
    for role in ("receptionist", "practitioner"):
        assert not Group.objects.get(name=role).permissions.filter(codename__endswith="privacyrequest").exists()
