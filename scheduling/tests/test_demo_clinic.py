"""`manage.py load_demo clinic` makes a clinic a newcomer recognises: named practitioners with lunch breaks,
weekends and public holidays closed, minimum notice; made twice, it is the same clinic; over a database with
bookings of another clinic it refuses unless asked."""

from datetime import date, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from scheduling import bookings, clinic_time
from scheduling.demo_clinic import PRACTITIONERS, bank_holidays, easter_sunday
from scheduling.models import AppointmentType, Clinic, ClinicClosure, OpeningHours, Practitioner

pytestmark = pytest.mark.django_db


def load(*extra) -> str:
    out = StringIO()
    call_command("load_demo", "clinic", *extra, stdout=out)
    return out.getvalue()


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)


def starts(availability, day, appointment_type="consultation", **params) -> list[str]:
    response = availability(day, appointment_type, **params)
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["available_slots"]]


def test_the_demo_clinic_has_a_name_an_address_a_phone_and_three_practitioners():
    said = load()

    clinic = Clinic.load()
    assert clinic.name == "Riverside Family Clinic" and "London" in clinic.address and clinic.phone
    names = set(Practitioner.objects.filter(is_active=True).values_list("name", flat=True))
    assert names == {p.name for p in PRACTITIONERS}
    assert not Practitioner.objects.get(slug="clinic").is_active  # the prototype's, open every day
    assert "Riverside Family Clinic" in said and "lunch" in said


def test_weekdays_have_a_lunch_gap_and_weekends_no_slots(availability, today):
    load()
    monday, saturday, sunday = next_weekday(today, 0), next_weekday(today, 5), next_weekday(today, 6)
    if ClinicClosure.objects.filter(first_day__lte=monday, last_day__gte=monday).exists():
        monday += timedelta(days=7)  # a bank holiday Monday: the next one

    okafor = starts(availability, monday, practitioner="dr-amara-okafor")
    assert okafor[0] == "08:30" and "12:00" in okafor and "13:30" in okafor
    assert "12:30" not in okafor and "13:00" not in okafor  # lunch
    assert starts(availability, saturday) == [] and starts(availability, sunday) == []


def test_no_slots_on_christmas_day(availability):
    early_december = date(clinic_time.today().year, 12, 1)
    with time_machine.travel(clinic_time.at(early_december, time(9)), tick=False):
        load()
        christmas = date(early_december.year, 12, 25)
        assert ClinicClosure.objects.filter(first_day=christmas, name="Christmas Day").exists()
        if christmas.weekday() < 5:
            assert starts(availability, christmas) == []


def test_minimum_notice_keeps_the_next_hours_unbookable(availability, today):
    load()
    monday = next_weekday(today, 0)
    while ClinicClosure.objects.filter(first_day__lte=monday, last_day__gte=monday).exists():
        monday += timedelta(days=7)
    with time_machine.travel(clinic_time.at(monday, time(10)), tick=False):
        free = starts(availability, monday, practitioner="dr-amara-okafor")
    assert free and free[0] == "12:00"  # consultations need two hours' notice


def test_the_demo_clinic_tells_patients_its_hours_and_whom_to_call_in_an_emergency(client):
    load()
    load()  # made again, its hours are not doubled
    page = " ".join(client.get("/book/").content.decode().split())
    assert "Monday\N{EN DASH}Friday</dt><dd>08:00\N{EN DASH}18:00" in page
    assert 'In an emergency, call <a href="tel:999">999</a>.' in page
    assert Clinic.load().opening_hours.count() == 5


def test_loading_twice_is_the_same_clinic():
    load()
    counts = (AppointmentType.objects.count(), OpeningHours.objects.count(), ClinicClosure.objects.count())
    load()
    assert (AppointmentType.objects.count(), OpeningHours.objects.count(), ClinicClosure.objects.count()) == counts


def test_refuses_over_another_clinics_bookings_unless_asked(consultation, tomorrow):
    bookings.book(bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails(name="Ada"))

    with pytest.raises(CommandError, match="already has bookings"):
        load()
    assert not Practitioner.objects.filter(slug="dr-amara-okafor").exists()
    load("--over-bookings")
    assert Practitioner.objects.filter(slug="dr-amara-okafor").exists()


def test_bank_holidays_move_off_weekends():
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = dict(bank_holidays(2027))
    assert holidays["Good Friday"] == date(2027, 3, 26)
    assert holidays["Christmas Day"] == date(2027, 12, 27)  # 25 December 2027 is a Saturday
    assert holidays["Boxing Day"] == date(2027, 12, 28)
    assert all(day.weekday() < 5 for day in holidays.values())


@pytest.mark.parametrize(("zone", "label"), [("Europe/London", "London time"), ("UTC", "")])
def test_the_demo_names_london_time_only_on_londons_clock(settings, zone, label):
    settings.TIME_ZONE = zone
    call_command("load_demo", "clinic", stdout=StringIO())
    assert Clinic.load().time_zone_label == label


def test_the_demo_clinic_books_therapy_in_its_rooms_and_flu_jabs_by_the_dozen(db):
    from scheduling import demo_clinic, units
    from scheduling.models import GroupSession
    from scheduling.rules import SlotUnavailable

    demo_clinic.load_clinic(clinic_time.today())
    day = clinic_time.today() + timedelta(days=2)
    while day.weekday() != 1 or ClinicClosure.objects.filter(first_day__lte=day, last_day__gte=day).exists():
        day += timedelta(days=1)  # a Tuesday the clinic is open
    therapy = AppointmentType.objects.get(slug="therapy")
    patients = iter(bookings.PatientDetails(f"Patient {n}") for n in range(40))

    def book(appointment_type, start):
        return bookings.book(bookings.RequestedSlot(appointment_type, day, start), patient=next(patients))[0]

    rooms = [units.booking_resources(book(therapy, time(10))) for _ in range(2)]
    assert rooms == [{"treatment-rooms": ["treatment-room-1"]}, {"treatment-rooms": ["treatment-room-2"]}]
    jabs = AppointmentType.objects.get(slug="flu-jab")
    for _ in range(12):
        book(jabs, time(9, 10))
    assert GroupSession.objects.get().seats.count() == 12
    with pytest.raises(SlotUnavailable):
        book(jabs, time(9, 10))
