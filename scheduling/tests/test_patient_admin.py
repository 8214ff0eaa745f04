"""Staff find a patient in the admin and read their page: every booking with its status, the counts, the
waitlist and messages, merges with their undo button, and for auditors who looked. They merge from the
page or from a possible duplicate shown side by side. One read is logged per record per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from scheduling import clinic_time, patients
from scheduling.models import Booking, MatchCandidate, Patient, PatientDataRead, PatientMerge, Practitioner
from scheduling.patients.sections import SECTIONS
from scheduling.tests.patients import became, booked
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

PATIENTS = "/admin/scheduling/patient/"
CANDIDATES = "/admin/scheduling/matchcandidate/"
EVERYONE = "scheduling.view_every_practitioner"


@pytest.fixture
def signed_in(client, sign_in_past_mfa):
    def sign_in(*permissions, username="desk"):
        sign_in_past_mfa(client, staff_member(username, *permissions))
        return client

    return sign_in


def reads(**filters) -> list[tuple]:
    return sorted(PatientDataRead.objects.filter(**filters).values_list("patient__reference", "action", "channel"))


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_and_finds_patients_and_logs_one_read_each(admin_client, mary, tom):
    listed = page(admin_client.get(PATIENTS))
    assert "Mary Jones" in listed and "Tom Jones" in listed and "+442079460958" in listed
    assert reads() == sorted([(mary.reference, "listed", "admin"), (tom.reference, "listed", "admin")])

    found = page(admin_client.get(PATIENTS, {"q": "020 7946 0958"}))  # a phone as people type it
    assert "Mary Jones" in found and "Tom Jones" not in found


def test_a_practitioner_lists_and_opens_only_their_own_patients(
    client, sign_in_past_mfa, make_practitioner, consultation, tomorrow
):
    own, other = make_practitioner("dr-own", types=[consultation]), make_practitioner("dr-other", types=[consultation])
    user = staff_member("dr", "scheduling.view_patient")
    Practitioner.objects.filter(pk=own.pk).update(user=user)
    mine = booked(consultation, tomorrow, "Mine Patient", practitioner=own).patient
    theirs = booked(consultation, tomorrow, "Their Patient", practitioner=other).patient
    sign_in_past_mfa(client, user)

    listed = page(client.get(PATIENTS))
    assert "Mine Patient" in listed and "Their Patient" not in listed
    assert client.get(f"{PATIENTS}{theirs.pk}/change/").status_code == 302  # "does not exist", to the list
    assert reads() == [(mine.reference, "listed", "admin")]


def test_the_patient_page_shows_bookings_counts_and_every_section(admin_client, consultation, tomorrow):
    visit = booked(consultation, tomorrow, "Mary Jones", "jones@example.com")
    mary = visit.patient
    became(booked(consultation, tomorrow, "Mary Jones", "jones@example.com"), Booking.Status.NO_SHOW)
    late = became(
        booked(consultation, tomorrow, "Mary Jones", "jones@example.com"),
        Booking.Status.CANCELLED,
        cancelled_by=Booking.CancelledBy.PATIENT,
        notice=timedelta(hours=2),
    )
    shown = page(admin_client.get(f"{PATIENTS}{mary.pk}/change/"))

    assert f'href="/admin/scheduling/booking/{visit.pk}/change/"' in shown
    assert "3 bookings, 1 no-shows, 1 late cancellations" in shown
    assert "no-show" in shown and "Cancelled (late)" in shown and late.reference in shown
    assert all(f"<h3>{section.title}</h3>" in shown for section in SECTIONS.values())
    assert "Who looked at this patient" in shown  # a superuser audits too
    assert reads() == [(mary.reference, "viewed", "admin")]


def test_who_looked_is_only_for_whoever_may_read_the_access_log(signed_in, mary):
    desk = signed_in("scheduling.view_patient", EVERYONE)
    assert "Who looked at this patient" not in page(desk.get(f"{PATIENTS}{mary.pk}/change/"))

    auditor = signed_in("scheduling.view_patient", "scheduling.view_patientdataread", EVERYONE, username="privacy")
    audited = page(auditor.get(f"{PATIENTS}{mary.pk}/change/"))
    assert "Who looked at this patient" in audited
    assert "desk" in audited and "viewed the booking" in audited


def test_staff_with_change_patient_correct_contact_details(signed_in, mary):
    desk = signed_in("scheduling.view_patient", "scheduling.change_patient", EVERYONE)
    body = {
        "given_name": "Mary",
        "family_name": "Jones-Smith",
        "birth_date": "",
        "email": "Mary@Example.com",
        "phone": "020 7946 0000",
        "preferred_language": "en",
    }
    response = desk.post(f"{PATIENTS}{mary.pk}/change/", body)
    assert response.status_code == 302
    saved = Patient.objects.get(pk=mary.pk)
    assert (saved.family_name, saved.email, saved.phone, saved.name_key) == (
        "Jones-Smith",
        "mary@example.com",
        "+442079460000",
        "mary jones-smith",
    )


def test_merging_from_the_page_compares_then_merges_and_the_undo_button_undoes(signed_in, mary, tom):
    desk = signed_in("scheduling.view_patient", "scheduling.merge_patient", EVERYONE)
    assert "Merge into another record" in page(desk.get(f"{PATIENTS}{tom.pk}/change/"))

    compared = page(desk.post(f"{PATIENTS}{tom.pk}/merge/", {"into": mary.reference}))
    assert "Tom Jones" in compared and "Mary Jones" in compared and "+442079460958" in compared
    assert Patient.objects.get(pk=tom.pk).merged_into is None  # nothing merged before confirming

    merged = desk.post(f"{PATIENTS}{tom.pk}/merge/", {"into": mary.reference, "confirmed": "True"})
    assert merged.status_code == 302
    assert Patient.objects.get(pk=tom.pk).merged_into == mary
    survivor = page(desk.get(f"{PATIENTS}{mary.pk}/change/"))
    assert "2 bookings" in survivor and "Undo merge" in survivor

    merge = PatientMerge.objects.get()
    for not_a_merge in ("²", "x", ""):  # "²".isdigit() is true: never a key for the database
        assert desk.post(f"{PATIENTS}{mary.pk}/unmerge/", {"merge": not_a_merge}).status_code in (302, 404)
    assert Patient.objects.get(pk=tom.pk).merged_into == mary
    assert desk.post(f"{PATIENTS}{mary.pk}/unmerge/", {"merge": merge.pk}).status_code == 302
    assert Patient.objects.get(pk=tom.pk).merged_into is None
    assert [(r, a) for r, a, _ in reads(action="merged")] == [(tom.reference, "merged")] * 2


def test_an_unknown_or_unreached_reference_is_not_merged_into(signed_in, mary, tom):
    desk = signed_in("scheduling.view_patient", "scheduling.merge_patient", EVERYONE)
    answer = page(desk.post(f"{PATIENTS}{tom.pk}/merge/", {"into": "pt_nobody", "confirmed": "True"}))
    assert "No patient you can see has this reference." in answer
    assert Patient.objects.get(pk=tom.pk).merged_into is None


def test_no_undo_after_the_window_and_no_merging_without_merge_patient(signed_in, mary, tom, settings):
    patients.merge(tom, mary, by="x", now=clinic_time.now() - timedelta(days=settings.PATIENT_UNMERGE_DAYS + 1))
    desk = signed_in("scheduling.view_patient", EVERYONE)
    shown = page(desk.get(f"{PATIENTS}{mary.pk}/change/"))
    assert "Undo merge" not in shown and "Merge into another record" not in shown
    assert desk.get(f"{PATIENTS}{tom.pk}/merge/").status_code == 403
    assert desk.post(f"{PATIENTS}{mary.pk}/unmerge/", {"merge": PatientMerge.objects.get().pk}).status_code == 403

    merger = signed_in("scheduling.view_patient", "scheduling.merge_patient", EVERYONE, username="merger")
    assert "Undo merge" not in page(merger.get(f"{PATIENTS}{mary.pk}/change/"))
    merger.post(f"{PATIENTS}{mary.pk}/unmerge/", {"merge": PatientMerge.objects.get().pk})
    assert Patient.objects.get(pk=tom.pk).merged_into == mary


def test_possible_duplicates_list_open_ones_and_show_both_records_side_by_side(admin_client, mary, tom):
    listed = page(admin_client.get(CANDIDATES))
    assert "Tom Jones" in listed and "Mary Jones" in listed
    candidate = MatchCandidate.objects.get()

    compared = page(admin_client.get(f"{CANDIDATES}{candidate.pk}/change/"))
    assert "Tom Jones" in compared and "Mary Jones" in compared and "+442079460958" in compared
    assert "Merge: the same person" in compared and "Not the same person" in compared
    assert reads(action="viewed") == sorted([(mary.reference, "viewed", "admin"), (tom.reference, "viewed", "admin")])

    admin_client.post(f"{CANDIDATES}{candidate.pk}/decide/", {"dismiss": "1"})
    assert MatchCandidate.objects.get().status == MatchCandidate.Status.DISMISSED
    assert "Tom Jones" not in page(admin_client.get(CANDIDATES))  # only open ones, unless asked
    assert "Tom Jones" in page(admin_client.get(CANDIDATES, {"status": "all"}))


def test_merging_a_possible_duplicate_needs_merge_patient(signed_in, mary, tom):
    candidate = MatchCandidate.objects.get()
    viewer = signed_in("scheduling.view_matchcandidate", EVERYONE)
    assert "Merge: the same person" not in page(viewer.get(f"{CANDIDATES}{candidate.pk}/change/"))
    assert viewer.post(f"{CANDIDATES}{candidate.pk}/decide/", {"merge": "1"}).status_code == 403

    merger = signed_in("scheduling.view_matchcandidate", "scheduling.merge_patient", EVERYONE, username="merger")
    assert merger.post(f"{CANDIDATES}{candidate.pk}/decide/", {"merge": "1"}).status_code == 302
    assert Patient.objects.get(pk=tom.pk).merged_into == mary
    assert MatchCandidate.objects.get().status == MatchCandidate.Status.MERGED


def test_nobody_adds_or_deletes_a_record_in_the_admin(admin_client, mary):
    assert admin_client.get(f"{PATIENTS}add/").status_code == 403
    assert admin_client.get(f"{PATIENTS}{mary.pk}/delete/").status_code == 403
    assert User.objects.filter(is_superuser=True).exists()
