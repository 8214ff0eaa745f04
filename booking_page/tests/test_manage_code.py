"""A patient on the phone is read a booking code, types it at /manage/code/ and reaches the same page as the
manage link: any case, with or without the dash, never for a revoked, mistyped or guessed code."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from scheduling import bookings, tokens
from scheduling.models import Booking, BookingEvent

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
URL = "/manage/code/"


@pytest.fixture
def booked(consultation, tomorrow):
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails(name="Ada Lovelace")
    )
    return booking


def typed(client, code):
    return client.post(URL, {"code": code})


def test_the_code_is_eight_characters_nobody_misreads(booked):
    assert CODE_SHAPE.match(booked.manage_code)
    assert not set(booked.manage_code) & set("ILOU")


@pytest.mark.parametrize("spelt", ["as given", "lower case", "no dash", "spaces", "look-alikes"])
def test_the_code_opens_the_booking_however_it_is_typed(client, booked, spelt):
    code = booked.manage_code
    typed_code = {
        "as given": code,
        "lower case": code.lower(),
        "no dash": code.replace("-", ""),
        "spaces": f" {code[:4]} {code[5:]} ",
        "look-alikes": code.replace("0", "o").replace("1", "l"),
    }[spelt]

    response = typed(client, typed_code)

    assert response.status_code == 303
    assert response["Location"] == reverse("manage-booking", args=[booked.reference])  # no token in the URL
    page = client.get(response["Location"]).content.decode()
    assert "Ada Lovelace" in page and booked.reference in page


def test_a_wrong_code_says_nothing_of_any_booking(client, booked):
    response = typed(client, "ZZZZ-ZZZZ" if booked.manage_code != "ZZZZ-ZZZZ" else "YYYY-YYYY")

    assert response.status_code == 404
    page = response.content.decode()
    assert "No booking has this code" in page and "Ada Lovelace" not in page


def test_what_cannot_be_a_code_is_refused_by_the_form(client, booked):
    page = typed(client, "hello").content.decode()
    assert "No booking has this code" in page


def test_revoking_the_link_revokes_the_code(client, admin_user, booked):
    old_code = booked.manage_code
    revoked = bookings.revoke_manage_link(booked, by=bookings.Actor.staff(admin_user), via=BookingEvent.Channel.ADMIN)

    assert typed(client, old_code).status_code == 404
    assert revoked.manage_code != old_code
    assert typed(client, revoked.manage_code).status_code == 303


def test_an_expired_booking_code_says_only_that(client, booked, settings):
    after_the_end = booked.ends_at + timedelta(days=settings.MANAGE_LINK_DAYS_AFTER_VISIT, minutes=1)
    with time_machine.travel(after_the_end, tick=False):
        response = typed(client, booked.manage_code)
    assert response.status_code == 410
    assert "Ada Lovelace" not in response.content.decode()


def test_the_database_keeps_only_a_keyed_digest_of_the_code(booked):
    stored = Booking.objects.values_list("manage_code_digest", flat=True).get(pk=booked.pk)
    code = booked.manage_code
    assert stored == tokens.manage_code_digests(code)[0]
    assert code not in stored and code.replace("-", "") not in stored
    history = str(list(booked.events.values_list("changes", flat=True)))
    assert stored not in history and code not in history


def test_trying_codes_is_throttled_per_client(client, booked, isolated_cache):
    isolated_cache["manage_code"] = "3/hour"
    statuses = [typed(client, f"ZZZZ-ZZZ{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert typed(client, booked.manage_code).status_code == 429  # the right code too, until the wait is over


def test_the_code_form_renders(client):
    page = client.get(URL).content.decode()
    assert "Your booking code" in page and 'autocomplete="off"' in page


def test_the_desk_booking_confirmation_shows_the_code_with_the_link(admin_client, consultation, tomorrow):
    response = admin_client.post(
        reverse("admin:scheduling_booking_add"),
        {
            "appointment_type": consultation.pk,
            "practitioner": "",
            "date": tomorrow.isoformat(),
            "start_time": "11:00",
            "patient_name": "Walk In",
        },
        follow=True,
    )

    booking = Booking.objects.get(patient_name="Walk In")
    page = response.content.decode()
    assert f'<strong class="manage-code">{booking.manage_code}</strong>' in page
    assert f"?token={booking.manage_token}" in page
    assert "/manage/code/" in page
