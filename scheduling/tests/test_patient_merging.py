"""Staff merge two records of one person and can undo it: rows stay where they are, the history follows the
record, and undoing puts every field and link back exactly, within PATIENT_UNMERGE_DAYS."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import bookings, clinic_time
from scheduling.bookings import PatientDetails
from scheduling.models import Booking, MatchCandidate, Patient, PatientMerge
from scheduling.patients import history, merging
from scheduling.rules import BookingChanged, BookingRuleBroken, TooLateToChange

pytestmark = pytest.mark.django_db

FIELDS = ("given_name", "family_name", "birth_date", "email", "phone", "preferred_language", "merged_into_id")


def record(given="Mary", family="Jones", **fields) -> Patient:
    return Patient.objects.create(given_name=given, family_name=family, **fields)


def state(*patients: Patient) -> list[tuple]:
    return [tuple(getattr(Patient.objects.get(pk=p.pk), field) for field in FIELDS) for p in patients]


@pytest.fixture
def now():
    return clinic_time.now()


@pytest.fixture
def book_for(consultation, tomorrow):
    hours = iter(range(9, 17))

    def book(name, email="", birth_date=None):
        slot = bookings.RequestedSlot(consultation, tomorrow, time(next(hours)))
        booked, _ = bookings.book(slot, patient=PatientDetails(name, email, birth_date=birth_date))
        return booked

    return book


def test_a_merged_record_s_bookings_stay_put_and_join_the_other_s_history(book_for, now):
    mary = book_for("Mary Jones", "jones@example.com")
    typo = book_for("Mary Jonse", "jones@example.com")
    candidate = MatchCandidate.objects.get()

    done = merging.merge(typo.patient, mary.patient, by="desk", now=now)

    assert Booking.objects.get(pk=typo.pk).patient_id == typo.patient_id  # rows never move
    assert Patient.objects.get(pk=typo.patient_id).merged_into_id == mary.patient_id
    assert merging.history_pks(mary.patient) == [mary.patient_id, typo.patient_id]
    assert [b.reference for b in history.bookings_of(mary.patient)] == [mary.reference, typo.reference]
    candidate.refresh_from_db()
    assert (candidate.status, candidate.resolved_by) == (MatchCandidate.Status.MERGED, "desk")
    assert done.snapshot == {"records": {str(typo.patient_id): None}, "into": {}, "candidates": [candidate.pk]}


def test_merging_fills_only_what_the_other_record_lacks_and_undoing_empties_it_again(now):
    into = record(email="jones@example.com")
    merged = record(given="Molly", birth_date=date(1980, 5, 1), phone="+442079460958", email="other@example.com")
    before = state(into, merged)

    merging.merge(merged, into, by="desk", now=now)
    filled = Patient.objects.get(pk=into.pk)
    assert (filled.given_name, filled.birth_date, filled.phone, filled.email) == (
        "Mary",
        date(1980, 5, 1),
        "+442079460958",
        "jones@example.com",
    )

    merging.unmerge(merged, by="desk", now=now)
    assert state(into, merged) == before


def test_merging_a_record_others_were_merged_into_takes_them_along_and_undoing_brings_them_back(now):
    first, second, third = record(given="A"), record(given="B"), record(given="C")
    merging.merge(first, second, by="desk", now=now)
    before = state(first, second, third)

    merging.merge(second, third, by="desk", now=now)
    assert Patient.objects.get(pk=first.pk).merged_into_id == third.pk  # one level deep
    assert merging.history_pks(third) == [third.pk, first.pk, second.pk]

    merging.unmerge(second, by="desk", now=now)
    assert state(first, second, third) == before


def test_an_earlier_merge_waits_until_the_later_one_is_undone(now):
    first, second, third = record(given="A"), record(given="B"), record(given="C")
    earlier = merging.merge(first, second, by="desk", now=now)
    merging.merge(second, third, by="desk", now=now)

    with pytest.raises(BookingChanged):
        merging.unmerge(earlier, by="desk", now=now)


def test_undoing_reopens_the_possible_duplicates_it_closed(book_for, now):
    mary = book_for("Mary Jones", "jones@example.com")
    tom = book_for("Tom Jones", "jones@example.com")
    merging.merge(tom.patient, mary.patient, by="desk", now=now)

    merging.unmerge(tom.patient, by="desk", now=now)

    candidate = MatchCandidate.objects.get()
    assert (candidate.status, candidate.resolved_at, candidate.resolved_by) == (MatchCandidate.Status.OPEN, None, "")
    undone = PatientMerge.objects.get()
    assert (undone.undone_at, undone.undone_by) == (now, "desk")


def test_a_merge_can_be_undone_only_within_the_window(settings, now):
    settings.PATIENT_UNMERGE_DAYS = 30
    merged, into = record(given="A"), record(given="B")
    merging.merge(merged, into, by="desk", now=now)

    with pytest.raises(TooLateToChange) as late:
        merging.unmerge(merged, by="desk", now=now + timedelta(days=30))
    assert late.value.code == "unmerge_window_passed"
    assert Patient.objects.get(pk=merged.pk).merged_into_id == into.pk

    merging.unmerge(merged, by="desk", now=now + timedelta(days=29, hours=23))
    assert Patient.objects.get(pk=merged.pk).merged_into_id is None


def test_undoing_twice_or_a_record_never_merged_is_refused(now):
    merged, into = record(given="A"), record(given="B")
    done = merging.merge(merged, into, by="desk", now=now)
    merging.unmerge(done, by="desk", now=now)

    with pytest.raises(BookingChanged):
        merging.unmerge(done, by="desk", now=now)
    with pytest.raises(BookingRuleBroken) as never:
        merging.unmerge(merged, by="desk", now=now)
    assert never.value.code == "not_merged"


@pytest.mark.parametrize(
    "case, code",
    [
        ("itself", "same_patient"),
        ("into_merged", "into_merged"),
        ("into_erased", "into_erased"),
        ("already_merged", "already_merged"),
        ("erased", "erased"),
    ],
)
def test_merges_that_cannot_be_are_refused_naming_into(case, code, now):
    merged, into, elsewhere = record(given="A"), record(given="B"), record(given="C")
    if case == "itself":
        into = merged
    elif case == "into_merged":
        merging.merge(into, elsewhere, by="desk", now=now)
    elif case == "into_erased":
        Patient.objects.filter(pk=into.pk).update(erased_at=now)
    elif case == "already_merged":
        merging.merge(merged, elsewhere, by="desk", now=now)
    elif case == "erased":
        Patient.objects.filter(pk=merged.pk).update(erased_at=now)
    before = state(merged, into, elsewhere)

    with pytest.raises(BookingRuleBroken) as refused:
        merging.merge(merged, into, by="desk", now=now)

    assert (refused.value.field, refused.value.code) == ("into", code)
    assert state(merged, into, elsewhere) == before


def test_a_merge_read_before_another_won_changes_nothing(now):
    """Two staff merge the same record at once: the second sees the first's write under the lock (on
    SQLite, through the conditional write) and is refused."""
    merged, into, other = record(given="A"), record(given="B"), record(given="C")
    stale = Patient.objects.get(pk=merged.pk)
    merging.merge(merged, into, by="one", now=now)

    with pytest.raises(BookingRuleBroken):
        merging.merge(stale, other, by="two", now=now)
    assert Patient.objects.get(pk=merged.pk).merged_into_id == into.pk
    assert PatientMerge.objects.count() == 1


def test_dismissing_a_possible_duplicate_closes_it_once(book_for, now):
    book_for("Mary Jones", "jones@example.com")
    book_for("Tom Jones", "jones@example.com")
    candidate = MatchCandidate.objects.get()

    merging.dismiss(candidate, by="desk", now=now)
    assert (candidate.status, candidate.resolved_by) == (MatchCandidate.Status.DISMISSED, "desk")
    with pytest.raises(BookingChanged):
        merging.dismiss(candidate, by="desk", now=now)


optional_text = st.sampled_from(["", "x", "Jones"])
optional_date = st.sampled_from([None, date(1970, 1, 1), date(1999, 12, 31)])
fields = st.fixed_dictionaries(
    {
        "given_name": optional_text,
        "family_name": optional_text,
        "birth_date": optional_date,
        "email": st.sampled_from(["", "a@example.com"]),
        "phone": st.sampled_from(["", "+442079460958"]),
        "preferred_language": st.sampled_from(["", "en", "fr"]),
    }
)


@settings(max_examples=40, deadline=None)
@given(merged_fields=fields, into_fields=fields, others=st.integers(0, 2), earlier=st.booleans())
def test_merge_then_unmerge_restores_every_field_and_link(merged_fields, into_fields, others, earlier):
    now = clinic_time.now()
    merged, into = Patient.objects.create(**merged_fields), Patient.objects.create(**into_fields)
    around = [Patient.objects.create(given_name=f"R{n}") for n in range(others)]
    for other in around:
        merging.merge(other, merged, by="desk", now=now)
    if earlier:
        Patient.objects.create(given_name="M", merged_into=into)
    everyone = [merged, into, *around, *Patient.objects.filter(merged_into=into)]
    before = state(*everyone)

    merging.merge(merged, into, by="desk", now=now)
    assert set(merging.history_pks(into)) >= {merged.pk, *(other.pk for other in around)}
    merging.unmerge(merged, by="desk", now=now)

    assert state(*everyone) == before
    PatientMerge.objects.all().delete()
    Patient.objects.update(merged_into=None)
    Patient.objects.all().delete()
