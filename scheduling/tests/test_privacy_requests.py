"""Privacy requests over the staff API: who may export and erase, the FHIR Bundle, the dry run a real
erasure needs, refusals, the one access-log row each writes, and the events' guard that lets only an
erasure blank their values."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from fhir.resources.R4B.bundle import Bundle

from scheduling import bookings, clinic_time, patients
from scheduling.bookings import PatientDetails
from scheduling.models import Booking, BookingEvent, ErasurePermit, PatientDataRead, PatientErasure
from scheduling.tests.patients import moved_to
from scheduling.tests.staff import staff_member

EXPORT, ERASE = "scheduling.export_patient", "scheduling.erase_patient"
EVERYONE = "scheduling.view_every_practitioner"
REASON = {"reason": "Request 2026-7, by e-mail"}


@pytest.fixture
def ada(consultation, tomorrow):
    details = PatientDetails("Ada Lovelace", "ada@example.com", "+442079460958", reason_for_visit="A cough")
    # Two days ahead, so the day-before reminder is still to come whatever the time of the run.
    day = tomorrow + timedelta(days=2)
    booking, _ = bookings.book(bookings.RequestedSlot(consultation, day, time(9)), patient=details)
    return booking.patient


@pytest.fixture
def as_staff(api, staff_key):
    def sign_in(*permissions, username="officer"):
        user = staff_member(username, *permissions)
        api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(user)}")
        return user

    return sign_in


def erase(api, patient, **body):
    return api.post(f"/api/calendly/patients/{patient.reference}/erase", {**REASON, **body}, format="json")


def test_the_export_is_json_with_every_booking_and_its_history_and_one_row_in_the_log(api, as_staff, ada):
    officer = as_staff(EXPORT, EVERYONE)
    answer = api.get(f"/api/calendly/patients/{ada.reference}/export")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert "no-store" in answer["Cache-Control"]
    body = answer.json()
    assert body["patient"]["email"] == "ada@example.com"
    [booking] = body["bookings"]
    assert booking["appointment_type"] == "Consultation" and booking["status"] == "confirmed"
    assert booking["reason_for_visit"] == "A cough"
    assert [event["kind"] for event in booking["history"]] == ["created"]
    assert body["waitlist"] == [] and [m["template"] for m in body["messages"]] == ["confirmation", "reminder"]
    assert list(PatientDataRead.objects.values_list("actor", "patient", "action", "channel")) == [
        (officer.pk, ada.pk, "exported", "api")
    ]
    again = api.get(f"/api/calendly/patients/{ada.reference}/export").json()
    assert [row["action"] for row in again["access_log"]] == ["exported"]


@pytest.mark.parametrize("how", [{"format": "fhir"}, {"HTTP_ACCEPT": "application/fhir+json"}])
def test_the_export_as_fhir_is_a_collection_of_the_patient_and_their_appointments(api, as_staff, ada, how):
    as_staff(EXPORT, EVERYONE)
    query = {"format": how["format"]} if "format" in how else {}
    headers = {key: value for key, value in how.items() if key != "format"}
    answer = api.get(f"/api/calendly/patients/{ada.reference}/export", query, **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/fhir+json"
    bundle = answer.json()
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    patient, appointment = (entry["resource"] for entry in bundle["entry"])
    assert patient["resourceType"] == "Patient"
    assert patient["identifier"][0]["value"] == ada.reference
    assert patient["name"] == [{"text": "Ada Lovelace", "family": "Lovelace", "given": ["Ada"]}]
    assert {"system": "email", "value": "ada@example.com"} in patient["telecom"]
    booking = Booking.objects.get(patient=ada)
    assert appointment["resourceType"] == "Appointment"
    assert appointment["identifier"][0]["value"] == booking.reference
    assert appointment["status"] == "booked"
    assert appointment["appointmentType"] == {"text": "Consultation"}
    assert appointment["start"] == booking.starts_at.isoformat()
    assert patient["id"] == ada.reference.replace("_", "-")  # FHIR ids allow no underscore
    assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{patient['id']}"
    assert appointment["participant"][1]["actor"] == {"display": "Clinic"}
    Bundle.model_validate(bundle)  # FHIR's own models (R4B: R4's Patient and Appointment) accept it whole


def test_fhir_statuses_follow_the_booking(api, as_staff, ada):
    as_staff(EXPORT, EVERYONE)
    booking = Booking.objects.get(patient=ada)
    bookings.cancel(booking, by=bookings.PATIENT, reason="Feeling better")
    bundle = api.get(f"/api/calendly/patients/{ada.reference}/export", {"format": "fhir"}).json()
    appointment = bundle["entry"][1]["resource"]
    assert appointment["status"] == "cancelled"
    assert appointment["cancelationReason"] == {"text": "Feeling better"}
    Bundle.model_validate(bundle)


@pytest.mark.parametrize("permissions", [(), (EVERYONE,), (ERASE, EVERYONE)])
def test_exporting_needs_the_permission(api, as_staff, ada, permissions):
    as_staff(*permissions)
    answer = api.get(f"/api/calendly/patients/{ada.reference}/export")
    assert answer.status_code == 403
    assert not PatientDataRead.objects.exists()


def test_erasing_needs_the_permission(api, as_staff, ada):
    as_staff(EXPORT, EVERYONE)
    assert erase(api, ada, dry_run=True).status_code == 403
    assert not PatientErasure.objects.exists()


def test_without_a_login_it_is_401(api, ada):
    assert api.get(f"/api/calendly/patients/{ada.reference}/export").status_code in (401, 403)


def test_an_unknown_patient_or_one_out_of_reach_is_404(api, as_staff, ada, make_practitioner, consultation):
    other = make_practitioner("dr-who", types=[consultation])
    user = as_staff(EXPORT, ERASE)
    other.user = user
    other.save()
    for path in ("export",):
        assert api.get(f"/api/calendly/patients/{ada.reference}/{path}").status_code == 404
        assert api.get(f"/api/calendly/patients/pt_nobody/{path}").status_code == 404
    assert erase(api, ada, dry_run=True).status_code == 404


def test_the_reason_is_required(api, as_staff, ada):
    as_staff(ERASE, EVERYONE)
    answer = api.post(f"/api/calendly/patients/{ada.reference}/erase", {"dry_run": True}, format="json")
    assert answer.status_code == 400
    assert "reason" in answer.json()["errors"]


def test_a_real_erasure_needs_a_recent_dry_run_by_anyone_who_may_erase(api, as_staff, ada, staff_key):
    as_staff(ERASE, EVERYONE)
    refused = erase(api, ada)
    assert refused.status_code == 409 and refused.json()["code"] == "dry_run_required"
    rehearsed = erase(api, ada, dry_run=True)
    assert rehearsed.status_code == 200
    assert rehearsed.json()["counts"]["blanked"]["scheduling_patient"] == 1
    assert Booking.objects.get(patient=ada).patient_name == "Ada Lovelace"  # a dry run changes nothing
    PatientErasure.objects.filter(dry_run=True).update(at=clinic_time.now() - timedelta(minutes=11))
    assert erase(api, ada).json()["code"] == "dry_run_required"
    assert erase(api, ada, dry_run=True).status_code == 200
    as_staff(ERASE, EVERYONE, username="colleague")  # another officer's real erasure counts the dry run
    done = erase(api, ada)
    assert done.status_code == 200, done.json()
    assert done.json()["dry_run"] is False
    assert PatientDataRead.objects.filter(patient=ada, action="erased").count() == 1
    again = erase(api, ada, dry_run=True)
    assert again.status_code == 409 and again.json()["code"] == "already_erased"


def test_no_erasure_while_a_booking_of_theirs_is_checked_in_today(api, as_staff, ada, consultation, today):
    as_staff(ERASE, EVERYONE)
    now = clinic_time.now()
    booking = Booking.objects.get(patient=ada)
    start = now - timedelta(minutes=5)
    moved_to(booking, start, Booking.Status.CHECKED_IN)
    if clinic_time.local_date(start) != today:
        pytest.skip("just after midnight: the visit began yesterday")
    for body in ({"dry_run": True}, {}):
        answer = erase(api, ada, **body)
        assert answer.status_code == 409 and answer.json()["code"] == "booking_in_progress"


def test_a_merged_record_is_erased_through_the_record_it_is_part_of(api, as_staff, ada, consultation, tomorrow):
    details = PatientDetails("Ada King", "ada@example.com")
    other = bookings.book(bookings.RequestedSlot(consultation, tomorrow, time(11)), patient=details)[0].patient
    patients.merge(other, ada, by="desk", now=clinic_time.now())
    as_staff(ERASE, EVERYONE)
    refused = erase(api, other, dry_run=True)
    assert refused.status_code == 409 and refused.json()["code"] == "merged_record"
    assert erase(api, ada, dry_run=True).json()["counts"]["blanked"]["scheduling_patient"] == 2
    assert erase(api, ada).status_code == 200
    assert set(Booking.objects.filter(patient__in=[ada, other]).values_list("patient_name", flat=True)) == {""}
    other.refresh_from_db()
    assert (other.given_name, other.erased_at is not None) == ("", True)


def test_the_events_guard_still_refuses_what_an_erasure_may_not_do(ada):
    event = BookingEvent.objects.get(booking__patient=ada)
    with pytest.raises(IntegrityError, match="booking_event_append_only"), transaction.atomic():
        BookingEvent.objects.filter(pk=event.pk).update(reason="")
    with transaction.atomic():
        ErasurePermit.objects.create(booking=event.booking)
        BookingEvent.objects.filter(pk=event.pk).update(reason="", changes={})  # the erasure's own columns
        with pytest.raises(IntegrityError, match="booking_event_append_only"), transaction.atomic():
            BookingEvent.objects.filter(pk=event.pk).update(kind="cancelled")
        # Past Django's own PROTECT, to the database's guard.
        with (
            pytest.raises(IntegrityError, match="booking_event_append_only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM scheduling_bookingevent WHERE id = %s", [event.pk])
        ErasurePermit.objects.all().delete()
