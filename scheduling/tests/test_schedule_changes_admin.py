"""A closure, time off or new hours that hit booked patients, in the admin: the bookings are listed before
anything is saved, and staff decide for each (cancel and notify, move, offer new times, keep). What the
patients are e-mailed: notifications/tests/test_schedule_change_emails.py."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from scheduling import clinic_time
from scheduling.models import Booking, ClinicClosure, TimeOff

pytestmark = pytest.mark.django_db

REASON_FOR_VISIT = "Recurring chest pain since March"


@pytest.fixture
def full_day(book, tomorrow) -> list[str]:
    """Tomorrow filled with 16 consultations through the API, 09:00 to 16:30."""
    references = []
    for n in range(16):
        start = f"{9 + n // 2:02d}:{30 * (n % 2):02d}"
        response = book(
            tomorrow,
            start,
            patient_name=f"Patient {n}",
            patient_email=f"p{n}@example.com",
            reason_for_visit=REASON_FOR_VISIT,
        )
        assert response.status_code == 200, response.content
        references.append(response.json()["booking_id"])
    return references


def add_closure(admin_client, day, **decisions):
    body = {"name": "Flooded", "first_day": day.isoformat(), "last_day": day.isoformat(), **decisions}
    if decisions:  # as the form sends them back, with the panel shown
        body["schedule-shown"] = "1"
    return admin_client.post(reverse("admin:scheduling_clinicclosure_add"), body)


def confirmed(references) -> int:
    return Booking.objects.filter(reference__in=references, status="confirmed").count()


def test_a_closure_on_a_booked_day_lists_its_bookings_and_saves_nothing(admin_client, full_day, tomorrow):
    response = add_closure(admin_client, tomorrow)

    assert response.status_code == 200  # the form again, not "added successfully"
    page = response.content.decode()
    assert "This change strands 16 bookings" in page
    assert all(reference in page for reference in full_day)
    assert "Patient 0" in page and "Consultation" in page and "09:00" in page
    assert 'name="decision-default"' in page and "move and notify" in page
    assert REASON_FOR_VISIT not in page
    assert not ClinicClosure.objects.exists()
    assert confirmed(full_day) == 16


def test_cancel_all_cancels_each_with_the_reason_in_its_history(admin_client, full_day, tomorrow, clinic):
    response = add_closure(
        admin_client, tomorrow, **{"decision-default": "cancel", "schedule-reason": "The clinic is flooded"}
    )

    assert response.status_code == 302
    assert ClinicClosure.objects.count() == 1
    assert confirmed(full_day) == 0
    booking = Booking.objects.get(reference=full_day[0])
    assert booking.status == "cancelled" and booking.cancelled_by == "staff"
    event = booking.events.last()
    assert (event.kind, event.channel, event.reason) == ("cancelled", "admin", "Schedule change: The clinic is flooded")
    # The practitioner's feed no longer has them.
    token = clinic.issue_feed_token()
    feed = admin_client.get(reverse("practitioner-feed", kwargs={"practitioner": clinic.slug}), {"token": token})
    assert full_day[0] not in feed.content.decode()


def test_one_by_one_move_offer_and_keep(admin_client, full_day, tomorrow):
    day_after = tomorrow + timedelta(days=1)
    new_start = clinic_time.at(day_after, time(11))
    first, second, third = full_day[:3]
    choices = {
        "decision-default": "keep",
        f"decision-{first}": "move",
        f"move-{first}": f"{new_start.isoformat()}|clinic",
        f"decision-{second}": "offer",
        "schedule-reason": "Staff training",
    }
    page = add_closure(admin_client, tomorrow).content.decode()
    assert f"{new_start.isoformat()}|clinic" in page  # offered in the select

    response = add_closure(admin_client, tomorrow, **choices)

    assert response.status_code == 302
    moved = Booking.objects.get(reference=first)
    assert (moved.status, moved.starts_at) == ("confirmed", new_start)
    assert moved.events.last().kind == "rescheduled"
    offered = Booking.objects.get(reference=second)
    assert offered.events.last().kind == "new_times_offered"
    kept = Booking.objects.get(reference=third)
    assert kept.status == "confirmed"
    assert (kept.events.last().kind, kept.events.last().reason) == ("kept_despite_change", "Staff training")


def test_a_move_without_a_time_is_no_answer(admin_client, full_day, tomorrow):
    response = add_closure(admin_client, tomorrow, **{"decision-default": "keep", f"decision-{full_day[0]}": "move"})

    assert response.status_code == 200
    assert "choose a free time to move it to" in response.content.decode()
    assert not ClinicClosure.objects.exists()
    assert not Booking.objects.filter(events__kind="kept_despite_change").exists()


def test_a_closure_of_part_of_a_day_strands_only_the_bookings_in_it(admin_client, full_day, tomorrow):
    body = {"closed_from": "13:00", "decision-default": "cancel"}

    response = add_closure(admin_client, tomorrow, **body)

    assert response.status_code == 302
    assert confirmed(full_day) == 8  # the morning's
    assert Booking.objects.get(reference=full_day[7]).status == "confirmed"  # 12:30-13:00
    assert Booking.objects.get(reference=full_day[8]).status == "cancelled"  # 13:00


def test_a_patients_hold_is_listed_as_released(admin_client, api, tomorrow):
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": tomorrow.isoformat(), "start_time": "10:00"},
        format="json",
    )
    assert held.status_code in (200, 201), held.content

    page = add_closure(admin_client, tomorrow).content.decode()
    assert "it will be released" in page

    add_closure(admin_client, tomorrow, **{"decision-default": "keep"})
    assert Booking.objects.get().status == "released"


def test_time_off_that_strands_bookings_asks_first(admin_client, full_day, tomorrow, clinic):
    url = reverse("admin:scheduling_timeoff_add")
    body = {
        "practitioner": clinic.pk,
        "starts_at_0": tomorrow.isoformat(),
        "starts_at_1": "09:00",
        "ends_at_0": tomorrow.isoformat(),
        "ends_at_1": "10:00",
    }
    first = admin_client.post(url, body)
    assert first.status_code == 200 and "This change strands 2 bookings" in first.content.decode()
    assert not TimeOff.objects.exists()

    assert admin_client.post(url, {**body, "decision-default": "offer", "schedule-shown": "1"}).status_code == 302
    assert TimeOff.objects.count() == 1
    assert Booking.objects.filter(events__kind="new_times_offered").count() == 2


def hours_form(practitioner, rows, **extra):
    """The practitioner's change form with these hours (weekday, opens, closes) replacing theirs."""
    existing = list(practitioner.opening_hours.order_by("weekday", "opens_at"))
    prefix = "opening_hours"
    body = {
        "name": practitioner.name,
        "slug": practitioner.slug,
        "is_active": "on",
        "appointment_types": [t.pk for t in practitioner.appointment_types.all()],
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
        **extra,
    }
    for n, (weekday, opens, closes) in enumerate(rows):
        body |= {f"{prefix}-{n}-weekday": weekday, f"{prefix}-{n}-opens_at": opens, f"{prefix}-{n}-closes_at": closes}
        body[f"{prefix}-{n}-practitioner"] = practitioner.pk
        if n < len(existing):
            body[f"{prefix}-{n}-id"] = existing[n].pk
    # Rows past the new ones are deleted.
    for n in range(len(rows), len(existing)):
        body |= {
            f"{prefix}-{n}-id": existing[n].pk,
            f"{prefix}-{n}-weekday": existing[n].weekday,
            f"{prefix}-{n}-opens_at": existing[n].opens_at.strftime("%H:%M"),
            f"{prefix}-{n}-closes_at": existing[n].closes_at.strftime("%H:%M"),
            f"{prefix}-{n}-practitioner": practitioner.pk,
            f"{prefix}-{n}-DELETE": "on",
        }
        body[f"{prefix}-TOTAL_FORMS"] = str(len(existing))
    return body


def test_overlapping_hours_in_the_inline_are_refused_naming_both(admin_client, make_practitioner, consultation):
    rao = make_practitioner("dr-rao", types=[consultation], weekdays=[1])
    url = reverse("admin:scheduling_practitioner_change", args=[rao.pk])

    response = admin_client.post(url, hours_form(rao, [(0, "09:00", "12:30"), (0, "12:00", "17:00")]))

    assert response.status_code == 200
    assert "Monday 09:00\u201312:30 overlaps Monday 12:00\u201317:00" in response.content.decode()
    assert list(rao.opening_hours.values_list("weekday", flat=True)) == [1]


def test_adding_a_lunch_break_over_bookings_asks_first(admin_client, full_day, tomorrow, clinic):
    weekday = tomorrow.weekday()
    rows = [(d, "09:00", "17:00") for d in range(7) if d != weekday]
    rows += [(weekday, "09:00", "12:00"), (weekday, "13:00", "17:00")]

    first = admin_client.post(
        reverse("admin:scheduling_practitioner_change", args=[clinic.pk]), hours_form(clinic, rows)
    )

    assert first.status_code == 200
    assert "This change strands 2 bookings" in first.content.decode()
    assert clinic.opening_hours.count() == 7

    body = hours_form(clinic, rows, **{"decision-default": "cancel", "schedule-shown": "1"})
    second = admin_client.post(reverse("admin:scheduling_practitioner_change", args=[clinic.pk]), body)

    assert second.status_code == 302
    assert clinic.opening_hours.count() == 8
    assert Booking.objects.get(reference=full_day[6]).status == "cancelled"  # 12:00
    assert Booking.objects.get(reference=full_day[8]).status == "confirmed"  # 13:00


def test_hours_moved_into_each_others_place_save(admin_client, make_practitioner, consultation):
    rao = make_practitioner(
        "dr-rao", types=[consultation], hours=[(time(9), time(12)), (time(13), time(17))], weekdays=[0]
    )
    body = hours_form(rao, [(0, "09:00", "14:00"), (0, "14:00", "17:00")])

    response = admin_client.post(reverse("admin:scheduling_practitioner_change", args=[rao.pk]), body)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted((h.opens_at, h.closes_at) for h in rao.opening_hours.all()) == [
        (time(9), time(14)),
        (time(14), time(17)),
    ]


def test_the_day_schedule_names_a_part_day_closure(admin_client, tomorrow):
    ClinicClosure.objects.create(name="Training", first_day=tomorrow, last_day=tomorrow, closed_from=time(13))
    url = reverse("admin:scheduling_booking_day")
    page = admin_client.get(url, {"date": tomorrow.isoformat()}).content.decode()
    assert "Clinic closed: Training (13:00\u201324:00)" in page
