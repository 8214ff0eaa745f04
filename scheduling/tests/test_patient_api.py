"""Staff find patients, read a record with its history, and merge or unmerge two, through the API: only
the records they reach, one access-log row per record shown, and every refusal naming what is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling import clinic_time, patients
from scheduling.models import Booking, MatchCandidate, Patient, PatientDataRead, PatientMerge, Practitioner
from scheduling.patients.sections import SECTIONS
from scheduling.tests.patients import became, booked
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

URL = "/api/calendly/patients"
EVERYONE = "scheduling.view_every_practitioner"


@pytest.fixture
def desk(api, staff_key):
    """A receptionist's token: every patient, no merging."""
    user = staff_member("desk", "scheduling.view_patient", EVERYONE)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(user)}")
    return api


@pytest.fixture
def merger(api, staff_key):
    user = staff_member("merger", "scheduling.view_patient", "scheduling.merge_patient", EVERYONE)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(user)}")
    return api


def references(response) -> list[str]:
    return [patient["reference"] for patient in response.json()["results"]]


def reads(**filters) -> list[tuple]:
    return list(PatientDataRead.objects.filter(**filters).values_list("patient__reference", "action", "channel"))


def test_staff_find_patients_by_name_e_mail_phone_and_reference(desk, mary, tom):
    assert references(desk.get(URL, {"q": "jones"})) == [mary.reference, tom.reference]
    assert references(desk.get(URL, {"q": "Tom"})) == [tom.reference]
    assert references(desk.get(URL, {"q": "JONES@example.com"})) == [mary.reference, tom.reference]
    assert references(desk.get(URL, {"q": "+44 20 7946 0958"})) == [mary.reference]
    assert references(desk.get(URL, {"q": mary.reference})) == [mary.reference]
    found = desk.get(URL, {"q": "Tom"}).json()["results"][0]
    assert found == {
        "reference": tom.reference,
        "given_name": "Tom",
        "family_name": "Jones",
        "birth_date": None,
        "email": "jones@example.com",
        "phone": "",
        "preferred_language": "",
        "created_at": found["created_at"],
        "merged_into": None,
        "erased_at": None,
    }


def test_the_list_writes_one_read_per_patient_listed(desk, mary, tom):
    desk.get(URL, {"q": "jones"})
    assert sorted(reads()) == sorted([(mary.reference, "listed", "api"), (tom.reference, "listed", "api")])


def test_the_list_filters_by_birth_date_duplicates_merged_and_erased(desk, mary, tom, consultation, tomorrow):
    born = clinic_time.today() - timedelta(days=365 * 40)
    dated = booked(consultation, tomorrow, "Ada Byron", birth_date=born).patient
    assert references(desk.get(URL, {"birth_date": born.isoformat()})) == [dated.reference]
    assert references(desk.get(URL, {"has_open_candidates": "true"})) == [mary.reference, tom.reference]
    assert references(desk.get(URL, {"has_open_candidates": "false"})) == [dated.reference]

    patients.merge(tom, mary, by="desk", now=clinic_time.now())
    assert tom.reference not in references(desk.get(URL))
    assert tom.reference in references(desk.get(URL, {"merged": "true"}))

    Patient.objects.filter(pk=dated.pk).update(erased_at=clinic_time.now())
    assert references(desk.get(URL, {"erased": "true"})) == [dated.reference]
    assert dated.reference not in references(desk.get(URL, {"erased": "false"}))


def test_the_list_is_paginated_and_refuses_unknown_or_bad_parameters(desk, mary, tom):
    first = desk.get(URL, {"page_size": 1}).json()
    assert (first["count"], len(first["results"]), first["next"] is not None) == (2, 1, True)
    assert desk.get(URL, {"page_size": 1, "page": 2}).json()["results"][0]["reference"] == tom.reference

    assert PatientDataRead.objects.count() == 2  # one row per patient on the pages shown

    unknown = desk.get(URL, {"search": "jones"})
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["search"]
    bad = desk.get(URL, {"birth_date": "yesterday", "merged": "maybe"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"birth_date", "merged"}
    assert PatientDataRead.objects.count() == 2


def test_a_record_shows_its_details_every_booking_counts_and_sections(desk, consultation, tomorrow):
    visit = booked(consultation, tomorrow, "Mary Jones", "jones@example.com", phone="+442079460958")
    mary = visit.patient
    missed = became(booked(consultation, tomorrow, "Mary Jones", "jones@example.com"), Booking.Status.NO_SHOW)
    late = became(
        booked(consultation, tomorrow, "Mary Jones", "jones@example.com"),
        Booking.Status.CANCELLED,
        cancelled_by=Booking.CancelledBy.PATIENT,
        notice=timedelta(hours=3),
    )
    early = became(
        booked(consultation, tomorrow, "Mary Jones", "jones@example.com"),
        Booking.Status.CANCELLED,
        cancelled_by=Booking.CancelledBy.PATIENT,
        notice=timedelta(days=3),
    )
    by_staff = became(
        booked(consultation, tomorrow, "Mary Jones", "jones@example.com"),
        Booking.Status.CANCELLED,
        cancelled_by=Booking.CancelledBy.STAFF,
        notice=timedelta(hours=1),
    )
    response = desk.get(f"{URL}/{mary.reference}")

    assert response.status_code == 200
    body = response.json()
    assert (body["given_name"], body["email"], body["phone"]) == ("Mary", "jones@example.com", "+442079460958")
    assert body["counts"] == {"bookings": 5, "no_shows": 1, "late_cancellations": 1}
    assert [(b["booking_id"], b["status"], b["late_cancellation"]) for b in body["bookings"]] == [
        (visit.reference, "confirmed", False),
        (missed.reference, "no_show", False),
        (late.reference, "cancelled", True),
        (early.reference, "cancelled", False),
        (by_staff.reference, "cancelled", False),
    ]
    assert body["bookings"][0]["appointment_type"] == "consultation"
    assert body["bookings"][0]["practitioner"] == "clinic"
    # The apps built on the core fill their sections (their tests say with what): each registered one is here.
    assert set(body["sections"]) == set(SECTIONS)
    assert reads() == [(mary.reference, "viewed", "api")]


def test_a_merged_record_answers_with_the_record_it_is_part_of(desk, mary, tom):
    patients.merge(tom, mary, by="desk", now=clinic_time.now())

    merged = desk.get(f"{URL}/{tom.reference}")
    assert (merged.status_code, merged.json()["merged_into"]) == (200, mary.reference)
    survivor = desk.get(f"{URL}/{mary.reference}").json()
    assert survivor["counts"]["bookings"] == 2  # its own and the merged record's


def test_an_unknown_reference_is_404(desk):
    assert desk.get(f"{URL}/pt_nobody").status_code == 404
    assert not PatientDataRead.objects.exists()


def test_staff_merge_and_unmerge_two_records(merger, mary, tom):
    merged = merger.post(f"{URL}/{tom.reference}/merge", {"into": mary.reference}, format="json")
    assert merged.status_code == 200
    assert merged.json()["merged_into"] == mary.reference
    assert MatchCandidate.objects.get().status == MatchCandidate.Status.MERGED
    assert PatientMerge.objects.get().merged_by == "merger"

    undone = merger.post(f"{URL}/{tom.reference}/unmerge")
    assert (undone.status_code, undone.json()["merged_into"]) == (200, None)
    assert MatchCandidate.objects.get().status == MatchCandidate.Status.OPEN
    assert reads() == [(tom.reference, "merged", "api")] * 2


@pytest.mark.parametrize("into", ["itself", "merged", "erased", "unknown"])
def test_a_merge_that_cannot_be_is_400_naming_into(merger, mary, tom, consultation, tomorrow, into):
    target = {"itself": tom.reference, "merged": mary.reference, "erased": mary.reference, "unknown": "pt_nobody"}[into]
    if into == "merged":
        patients.merge(mary, booked(consultation, tomorrow, "Zoe Ash").patient, by="x", now=clinic_time.now())
    if into == "erased":
        Patient.objects.filter(pk=mary.pk).update(erased_at=clinic_time.now())

    refused = merger.post(f"{URL}/{tom.reference}/merge", {"into": target}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["into"]
    assert Patient.objects.get(pk=tom.pk).merged_into is None
    assert not PatientDataRead.objects.exists()


def test_a_merge_without_into_is_400(merger, tom):
    refused = merger.post(f"{URL}/{tom.reference}/merge", {}, format="json")
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["into"])


def test_unmerging_after_the_window_is_409(merger, mary, tom, settings):
    patients.merge(tom, mary, by="x", now=clinic_time.now() - timedelta(days=settings.PATIENT_UNMERGE_DAYS + 1))

    late = merger.post(f"{URL}/{tom.reference}/unmerge")

    assert (late.status_code, late.json()["code"]) == (409, "unmerge_window_passed")
    assert Patient.objects.get(pk=tom.pk).merged_into == mary


def test_unmerging_a_record_never_merged_is_400(merger, tom):
    refused = merger.post(f"{URL}/{tom.reference}/unmerge")
    assert (refused.status_code, refused.json()["code"]) == (400, "not_merged")


def test_merging_needs_merge_patient_and_reading_needs_view_patient(api, staff_key, mary, tom):
    reader = staff_member("reader", "scheduling.view_patient", EVERYONE)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(reader)}")
    assert api.post(f"{URL}/{tom.reference}/merge", {"into": mary.reference}, format="json").status_code == 403
    assert api.post(f"{URL}/{tom.reference}/unmerge").status_code == 403

    nobody = staff_member("nobody", EVERYONE)
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(nobody)}")
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{mary.reference}").status_code == 403
    api.credentials()
    assert api.get(URL).status_code in (401, 403)
    assert Patient.objects.get(pk=tom.pk).merged_into is None
    assert not PatientDataRead.objects.exists()


def test_a_practitioner_reaches_only_their_own_patients(api, staff_key, make_practitioner, consultation, tomorrow):
    own = make_practitioner("dr-own", types=[consultation])
    other = make_practitioner("dr-other", types=[consultation])
    user = staff_member("dr", "scheduling.view_patient", "scheduling.merge_patient")
    Practitioner.objects.filter(pk=own.pk).update(user=user)
    mine = booked(consultation, tomorrow, "Mine Patient", practitioner=own).patient
    theirs = booked(consultation, tomorrow, "Their Patient", practitioner=other).patient
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(user)}")

    assert references(api.get(URL)) == [mine.reference]
    assert api.get(f"{URL}/{theirs.reference}").status_code == 404
    assert api.post(f"{URL}/{theirs.reference}/merge", {"into": mine.reference}, format="json").status_code == 404
    into_theirs = api.post(f"{URL}/{mine.reference}/merge", {"into": theirs.reference}, format="json")
    assert (into_theirs.status_code, list(into_theirs.json()["errors"])) == (400, ["into"])
    assert reads() == [(mine.reference, "listed", "api")]
