"""The bench's generated clinic is made of people as a clinic knows them: the same people coming back, households
sharing an address or phone, some with a birth date, some with no contact at all; the same seed, the same
clinic."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from scheduling import clinic_time
from scheduling.management.commands.generate_clinic import People
from scheduling.models import Booking, MatchCandidate, Patient
from scheduling.patient_details import validate_phone

pytestmark = pytest.mark.django_db

SNAPSHOT = ("patient_name", "patient_email", "patient_phone", "patient_birth_date")


def generate(*extra) -> str:
    out = StringIO()
    call_command("generate_clinic", "--practitioners", "2", "--years", "0.1", *extra, stdout=out)
    return out.getvalue()


def test_people_come_back_share_households_and_are_linked_by_matching():
    said = generate()
    booked = Booking.objects.count()
    assert booked > 500 and "by " in said and "Linked" in said
    assert not Booking.objects.filter(patient__isnull=True).exists()
    # Most people book more than once, as a clinic's patients do: about one record per five bookings.
    people = Booking.objects.values(*SNAPSHOT[:3]).distinct().count()
    assert booked / 8 < people < booked / 3
    assert Patient.objects.filter(bookings__isnull=False).annotate(n=Count("bookings")).filter(n__gt=1).exists()
    shared = Booking.objects.exclude(patient_email="").values("patient_email")
    households = shared.annotate(names=Count("patient_name", distinct=True)).filter(names__gt=1)
    assert households.exists()
    assert MatchCandidate.objects.exists()  # each a household member matching told apart
    assert Booking.objects.filter(patient_birth_date__isnull=False).exists()
    assert Booking.objects.filter(patient_birth_date__isnull=True).exists()
    assert Booking.objects.filter(patient_email="", patient_phone="").exists()
    for phone in set(Booking.objects.exclude(patient_phone="").values_list("patient_phone", flat=True)):
        validate_phone(phone)


def test_unlinked_leaves_the_records_to_the_migration():
    generate("--unlinked")
    assert Booking.objects.exists()
    assert not Patient.objects.exists()
    assert not Booking.objects.filter(patient__isnull=False).exists()


def test_the_same_seed_makes_the_same_people_book_in_the_same_order():
    def bookers(seed):
        people = People(random.Random(seed), clinic_time.today())
        return [people.as_typed(people.next_booker()) for _ in range(2000)]

    assert bookers(1) == bookers(1)
    assert bookers(1) != bookers(2)
