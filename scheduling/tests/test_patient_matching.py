"""Every booking is for a patient: the same person booking again is the same record, someone sharing a
family's e-mail or phone is a new record and a possible duplicate for staff, and the bookings made before
records existed were linked by the same rules."""

from __future__ import annotations

import importlib
from datetime import date, time, timedelta

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import bookings
from scheduling.bookings import PatientDetails
from scheduling.models import Booking, MatchCandidate, Patient
from scheduling.patients import matching
from scheduling.rules import SlotUnavailable

pytestmark = pytest.mark.django_db

linking = importlib.import_module("scheduling.migrations.0016_link_bookings_to_patients")
BIRTH = date(1985, 3, 14)


@pytest.fixture
def book_for(consultation, tomorrow):
    hours = iter(range(9, 17))

    def book(name, email="", phone="", birth_date=None, day=None):
        slot = bookings.RequestedSlot(consultation, day or tomorrow, time(next(hours)))
        booked, _ = bookings.book(slot, patient=PatientDetails(name, email, phone, birth_date=birth_date))
        return booked

    return book


def test_the_same_person_booking_again_is_the_same_record(book_for):
    first = book_for("Ada Lovelace", email="Ada@Example.com", phone="020 7946 0958")
    again = book_for("  ada   LOVELACE ", email="ada@example.com")
    by_phone = book_for("Ada Lovelace", phone="+44 20 7946 0958")

    assert first.patient == again.patient == by_phone.patient
    record = first.patient
    assert (record.given_name, record.family_name) == ("Ada", "Lovelace")
    assert (record.email, record.phone) == ("ada@example.com", "+442079460958")
    assert record.reference.startswith("pt_")
    assert again.patient_name == "ada LOVELACE"  # the booking keeps what was typed
    assert not MatchCandidate.objects.exists()


def test_someone_else_on_a_shared_address_is_a_new_record_and_a_possible_duplicate(book_for):
    mother = book_for("Mary Jones", email="jones.family@example.com", phone="+44 20 7946 0000")
    son = book_for("Tom Jones", email="jones.family@example.com", phone="+44 20 7946 0000")

    assert son.patient != mother.patient
    candidate = MatchCandidate.objects.get()
    assert (candidate.patient, candidate.existing) == (son.patient, mother.patient)
    assert candidate.shared == "e-mail and phone"
    assert candidate.status == MatchCandidate.Status.OPEN


def test_another_birth_date_is_another_person_but_a_missing_one_contradicts_nothing(book_for):
    first = book_for("Sam Lee", email="sam@example.com")
    dated = book_for("Sam Lee", email="sam@example.com", birth_date=BIRTH)
    assert dated.patient == first.patient
    assert Patient.objects.get(pk=first.patient_id).birth_date == BIRTH  # the record learnt it
    undated = book_for("Sam Lee", email="sam@example.com")
    assert undated.patient == first.patient

    namesake = book_for("Sam Lee", email="sam@example.com", birth_date=BIRTH + timedelta(days=9000))
    assert namesake.patient != first.patient
    assert MatchCandidate.objects.get(patient=namesake.patient).existing == first.patient


def test_without_an_e_mail_or_phone_nobody_is_matched(book_for):
    assert book_for("John Smith").patient != book_for("John Smith").patient
    assert not MatchCandidate.objects.exists()


def test_a_merged_record_leads_to_the_one_it_joined_and_an_erased_one_to_nobody(book_for):
    kept = book_for("Robert Brown", email="rb@example.com")
    merged = book_for("Bob Brown", email="rb@example.com")
    Patient.objects.filter(pk=merged.patient_id).update(merged_into=kept.patient)

    assert book_for("Bob Brown", email="rb@example.com").patient == kept.patient

    Patient.objects.filter(pk=kept.patient_id).update(erased_at=kept.created_at)
    Patient.objects.filter(pk=merged.patient_id).update(erased_at=kept.created_at)
    after_erasure = book_for("Robert Brown", email="rb@example.com")
    assert after_erasure.patient not in (kept.patient, merged.patient)
    assert not MatchCandidate.objects.filter(patient=after_erasure.patient).exists()


def test_a_hold_names_nobody_until_it_is_confirmed(consultation, tomorrow, book_for):
    regular = book_for("Grace Hopper", email="grace@example.com")
    held, hold_id = bookings.hold(bookings.RequestedSlot(consultation, tomorrow, time(16)))
    assert held.patient is None

    confirmed, _ = bookings.confirm_hold(
        bookings.find_hold(hold_id), patient=PatientDetails("Grace Hopper", "grace@example.com")
    )
    assert Booking.objects.get(pk=confirmed.pk).patient == regular.patient


def test_a_booking_that_fails_leaves_no_record_behind(consultation, tomorrow, book_for):
    book_for("Taken Already")
    before = Patient.objects.count()
    with pytest.raises(SlotUnavailable):
        bookings.book(
            bookings.RequestedSlot(consultation, tomorrow, time(9)),
            patient=PatientDetails("Late Comer", "l@example.com"),
        )
    assert Patient.objects.count() == before


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(
        st.tuples(
            st.sampled_from(["Ann Ng", "Bo Ek", "ann ng"]), st.sampled_from(["", "a@example.com", "b@example.com"])
        ),
        min_size=1,
        max_size=8,
    )
)
def test_one_record_per_name_and_address_whatever_the_order(people):
    """Matching compares typed details only: two bookings share a record exactly when they name the same
    person (same name, case aside) at the same address; without an address, never."""
    records = [matching.patient_for(PatientDetails(name, email)) for name, email in people]
    for (name_a, email_a), a in zip(people, records, strict=True):
        for (name_b, email_b), b in zip(people, records, strict=True):
            same = bool(email_a) and email_a == email_b and name_a.casefold() == name_b.casefold()
            assert (a.pk == b.pk) == (same or a is b)
    Patient.objects.all().delete()


def test_the_migration_linked_earlier_bookings_by_the_same_rules(book_for, capsys):
    ada = book_for("Ada Lovelace", email="ada@example.com")
    again = book_for("Ada Lovelace", email="ADA@example.com")
    family = book_for("Tom Lovelace", email="ada@example.com")
    alone = book_for("No Contact")
    made = [ada, again, family, alone]
    # As before records existed: no patient on any booking, no records.
    Booking.objects.update(patient=None)
    MatchCandidate.objects.all().delete()
    Patient.objects.all().delete()

    linking.link_bookings(apps, connection.schema_editor(atomic=False))

    linked = {b.pk: b.patient_id for b in Booking.objects.filter(pk__in=[b.pk for b in made])}
    assert linked[ada.pk] == linked[again.pk] != linked[family.pk]
    assert None not in linked.values()
    assert Patient.objects.count() == 3
    assert MatchCandidate.objects.get().existing_id == linked[ada.pk]
    assert "Linked 4 bookings to 3 patients; 1 possible duplicates are open for staff." in capsys.readouterr().out
