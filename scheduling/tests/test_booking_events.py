"""Every change to a booking goes through one write path and leaves exactly one event; the history is
append-only, enforced by the database; staff read it from the API."""

from datetime import time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from scheduling import bookings, clinic_time
from scheduling.models import Booking, BookingEvent
from scheduling.rules import BookingChanged
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return staff_member("desk", *FRONT_DESK)


@pytest.fixture
def staff_api(api, desk, staff_key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(desk)}")
    return api


@pytest.fixture
def booked(consultation, tomorrow) -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=bookings.PatientDetails(name="Ada Lovelace", email="ada@example.com", reason_for_visit="Chest pain"),
    )
    return booking


def kinds(booking: Booking) -> list[tuple[int, str]]:
    return list(BookingEvent.objects.filter(booking=booking).order_by("revision").values_list("revision", "kind"))


def test_a_booking_starts_its_history_with_one_created_event(booked):
    (event,) = BookingEvent.objects.filter(booking=booked)
    assert (event.revision, event.kind, event.actor, event.channel) == (1, "created", "patient", "api")
    assert event.changes["status"] == [None, "confirmed"]
    assert event.changes["practitioner"] == [None, "clinic"]
    assert event.changes["reason_for_visit"] == [None, "(not recorded)"]  # clinical detail stays out


def test_each_change_adds_one_event_and_one_revision(booked, tomorrow, desk):
    staff = bookings.Actor.staff(desk)
    bookings.reschedule(booked, bookings.RequestedSlot(booked.appointment_type, tomorrow, time(11)))
    bookings.change_patient_details(booked, bookings.PatientDetails(name="Ada King", email="ada@example.com"), by=staff)
    bookings.cancel(booked, by=staff, reason="Phoned")
    assert kinds(booked) == [(1, "created"), (2, "rescheduled"), (3, "patient_details_changed"), (4, "cancelled")]
    booked.refresh_from_db()
    assert booked.revision == 4
    moved, edited, cancelled = BookingEvent.objects.filter(booking=booked).order_by("revision")[1:]
    assert moved.changes["starts_at"][1].startswith(f"{tomorrow}T11:00")
    assert edited.changes == {"patient_name": ["Ada Lovelace", "Ada King"], "reason_for_visit": ["(not recorded)", ""]}
    assert (cancelled.actor, cancelled.actor_name, cancelled.reason) == ("staff", "desk", "Phoned")
    assert cancelled.changes["status"] == ["confirmed", "cancelled"]


def test_saving_the_same_patient_details_writes_nothing(booked, desk):
    same = bookings.PatientDetails(name="Ada Lovelace", email="ada@example.com", reason_for_visit="Chest pain")
    bookings.change_patient_details(booked, same, by=bookings.Actor.staff(desk))
    assert kinds(booked) == [(1, "created")]


def test_a_write_from_a_stale_copy_is_refused_and_changes_nothing(booked, desk):
    stale = Booking.objects.get(pk=booked.pk)
    bookings.cancel(booked, by=bookings.PATIENT)
    with pytest.raises(BookingChanged, match="changed meanwhile"):
        bookings.cancel(stale, by=bookings.Actor.staff(desk))
    assert kinds(booked) == [(1, "created"), (2, "cancelled")]


def test_the_front_desk_path_is_recorded(booked, desk, tomorrow):
    staff = bookings.Actor.staff(desk)
    with time_machine.travel(clinic_time.at(tomorrow, time(9, 55)), tick=False):
        bookings.check_in(booked, by=staff)
        bookings.complete(booked, by=staff)
    assert kinds(booked)[1:] == [(2, "checked_in"), (3, "completed")]


def test_the_database_refuses_to_change_an_event(booked):
    event = BookingEvent.objects.get(booking=booked)
    with pytest.raises(IntegrityError, match="booking_event_append_only"), transaction.atomic():
        BookingEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError, match="booking_event_append_only"), transaction.atomic():
        event.kind = "cancelled"
        event.save()
    assert BookingEvent.objects.get(pk=event.pk).reason == ""


def test_the_database_refuses_to_delete_an_event(booked):
    # Straight to SQL, past the ORM's own refusal (messages protect the events that caused them).
    with pytest.raises(IntegrityError, match="booking_event_append_only"), transaction.atomic():
        BookingEvent.objects.filter(booking=booked)._raw_delete(BookingEvent.objects.db)
    assert BookingEvent.objects.filter(booking=booked).count() == 1


def test_one_revision_has_one_event(booked):
    with (
        pytest.raises(
            IntegrityError,
            # PostgreSQL names the constraint; SQLite names its columns.
            match=r"booking_event_one_per_revision|bookingevent\.booking_id, scheduling_bookingevent\.revision",
        ),
        transaction.atomic(),
    ):
        BookingEvent.objects.create(
            booking=booked,
            revision=1,
            kind="cancelled",
            occurred_at=booked.created_at,
            actor="system",
            channel="system",
        )


def test_staff_read_a_bookings_history_from_the_api(staff_api, booked, tomorrow):
    bookings.reschedule(booked, bookings.RequestedSlot(booked.appointment_type, tomorrow, time(14)))
    response = staff_api.get(f"/api/calendly/bookings/{booked.reference}/events")
    assert response.status_code == 200
    history = response.json()
    assert [(e["revision"], e["kind"]) for e in history] == [(1, "created"), (2, "rescheduled")]
    assert history[1]["changes"]["starts_at"][0].startswith(f"{tomorrow}T10:00")
    assert set(history[0]) == {
        "revision",
        "kind",
        "occurred_at",
        "actor",
        "actor_name",
        "channel",
        "reason",
        "changes",
    }
    assert "Chest pain" not in response.content.decode()


def test_staff_changes_through_the_api_name_the_staff_member(staff_api, booked):
    staff_api.post(f"/api/calendly/bookings/{booked.reference}/cancel", {"reason": "Clinic closed"}, format="json")
    cancelled = BookingEvent.objects.get(booking=booked, kind="cancelled")
    assert (cancelled.actor, cancelled.actor_name, cancelled.channel) == ("staff", "desk", "api")


def test_patients_and_strangers_cannot_read_the_history(api, book, tomorrow):
    body = book(tomorrow, "10:00").json()
    url = f"/api/calendly/bookings/{body['booking_id']}/events"
    assert api.get(url, {"token": body["manage_token"]}).status_code == 401
    assert api.get(url).status_code == 401
    api.force_authenticate(User.objects.create_user("patient"))
    assert api.get(url).status_code == 403


def test_an_unknown_booking_has_no_history(staff_api):
    response = staff_api.get("/api/calendly/bookings/bk_00000000000000000000/events")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_bookings_time_moves_with_its_events_only_through_the_service(booked, tomorrow):
    """Moving is one conditional write: the row and its event agree on the revision."""
    bookings.reschedule(booked, bookings.RequestedSlot(booked.appointment_type, tomorrow + timedelta(days=1), time(9)))
    stored = Booking.objects.get(pk=booked.pk)
    latest = BookingEvent.objects.filter(booking=booked).latest("revision")
    assert stored.revision == latest.revision == 2
    assert clinic_time.local(stored.starts_at).time() == time(9)
