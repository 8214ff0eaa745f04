"""The desk's booking form pins a room per pool, or leaves it to the clinic; a busy room is a form error
that says which times and rooms would do instead."""

from datetime import timedelta

import pytest
from django.urls import reverse

from scheduling import units
from scheduling.models import Booking
from scheduling.tests.resources import ROOMS, treatment_rooms, type_in_a_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def massage(make_practitioner):
    treatment_rooms()
    made = type_in_a_room()
    for n in (1, 2):
        make_practitioner(f"therapist-{n}", types=[made])
    return made


@pytest.fixture
def day(today):
    return today + timedelta(days=2)


def add(admin_client, day, massage, room="", name="Walk In"):
    return admin_client.post(
        reverse("admin:scheduling_booking_add"),
        {
            "appointment_type": massage.pk,
            "practitioner": "",
            "date": day.isoformat(),
            "start_time": "10:00",
            "patient_name": name,
            f"unit__{ROOMS}": room,
        },
    )


def test_the_add_form_offers_each_pools_units(admin_client, massage):
    page = admin_client.get(reverse("admin:scheduling_booking_add")).content.decode()
    assert "Rooms and equipment" in page
    assert f'name="unit__{ROOMS}"' in page
    assert ">Any free one<" in page and ">Room 2<" in page


def test_the_desk_pins_a_room(admin_client, massage, day):
    assert add(admin_client, day, massage, room="room-2").status_code == 302
    assert units.booking_resources(Booking.objects.get()) == {ROOMS: ["room-2"]}


def test_left_alone_the_clinic_assigns_one(admin_client, massage, day):
    assert add(admin_client, day, massage).status_code == 302
    assert units.booking_resources(Booking.objects.get()) == {ROOMS: ["room-1"]}


def test_a_busy_room_is_a_form_error_with_the_alternatives(admin_client, massage, day):
    assert add(admin_client, day, massage, room="room-2").status_code == 302
    answer = add(admin_client, day, massage, room="room-2", name="Second")
    assert answer.status_code == 200
    [error] = answer.context["adminform"].form.non_field_errors()
    assert error.startswith("The room or equipment chosen is taken at that time. Free instead: 10:00 with room-1;")
    assert "09:30 with room-2" in error
    assert Booking.objects.count() == 1
