"""The staff API for rooms and equipment (scheduling/api/resources.py), and a room's calendar feed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling.models import Resource, ResourceTimeOff
from scheduling.tests.patients import booked
from scheduling.tests.resources import claim, units, units_of
from scheduling.tests.staff import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(api):
    api.force_authenticate(member_of("manager", "manager"))
    return api


@pytest.fixture
def rooms(db):
    return units("treatment-rooms", "room-1", "room-2", turnover=10)


@pytest.fixture
def booking(rooms, consultation, tomorrow):
    made = booked(consultation, tomorrow, "Ann Lee")
    claim(made, "room-1", rooms)
    return made


def test_staff_list_units_with_their_pools(manager, rooms):
    answer = manager.get("/api/calendly/resources")
    assert answer.status_code == 200
    assert answer.json()[0] == {
        "slug": "room-1",
        "name": "Room 1",
        "kind": "room",
        "is_active": True,
        "turnover_minutes": 10,
        "pools": ["treatment-rooms"],
    }


def test_making_a_booked_room_inactive_answers_409_listing_the_booking(manager, booking):
    answer = manager.patch("/api/calendly/resources/room-1", {"is_active": False}, format="json")
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "resource_in_use"
    assert [(b["booking_id"], b["pool"], b["can_move"]) for b in body["affected_bookings"]] == [
        (booking.reference, "treatment-rooms", True)
    ]
    assert "Ann Lee" not in answer.content.decode()
    assert Resource.objects.get(slug="room-1").is_active


def test_reassign_moves_the_booking_and_deactivates(manager, booking):
    answer = manager.patch("/api/calendly/resources/room-1", {"is_active": False, "reassign": True}, format="json")
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    assert units_of(booking) == ["room-2"]


def test_reassign_that_cannot_move_everything_changes_nothing(manager, booking):
    Resource.objects.filter(slug="room-2").update(is_active=False)
    answer = manager.patch("/api/calendly/resources/room-1", {"is_active": False, "reassign": True}, format="json")
    assert answer.status_code == 409
    assert [b["can_move"] for b in answer.json()["affected_bookings"]] == [False]
    assert Resource.objects.get(slug="room-1").is_active and units_of(booking) == ["room-1"]


def test_time_off_over_a_booking_is_refused_then_reassigned(manager, booking):
    span = {"starts_at": booking.starts_at.isoformat(), "ends_at": (booking.ends_at + timedelta(hours=1)).isoformat()}
    refused = manager.post("/api/calendly/resources/room-1/time-off", {**span, "reason": "Repair"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "resource_in_use"
    assert not ResourceTimeOff.objects.exists()
    made = manager.post("/api/calendly/resources/room-1/time-off", {**span, "reassign": True}, format="json")
    assert made.status_code == 201 and made.json()["resource"] == "room-1"
    assert units_of(booking) == ["room-2"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "soon", "ends_at": "later"}, "starts_at"),
        ({"ends_at": "2030-01-01T10:00:00+00:00"}, "starts_at"),
        ({"starts_at": "2030-01-01T10:00:00+00:00", "ends_at": "2030-01-01T09:00:00+00:00"}, "ends_at"),
        ({"starts_at": "2030-01-01T09:00:00+00:00", "ends_at": "2030-01-01T10:00:00+00:00", "reason": 5}, "reason"),
        (
            {"starts_at": "2030-01-01T09:00:00+00:00", "ends_at": "2030-01-01T10:00:00+00:00", "reassign": "x"},
            "reassign",
        ),
    ],
)
def test_bad_time_off_is_a_400_naming_the_field(manager, rooms, body, field):
    answer = manager.post("/api/calendly/resources/room-1/time-off", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["errors"]


def test_bad_patch_is_a_400_and_an_unknown_unit_a_404(manager, rooms):
    assert manager.patch("/api/calendly/resources/room-1", {"is_active": "maybe"}, format="json").status_code == 400
    assert manager.patch("/api/calendly/resources/room-9", {"is_active": False}, format="json").status_code == 404
    assert manager.get("/api/calendly/resources/ro%00om").status_code == 404


def test_the_front_desk_reads_but_may_not_change_units(api, rooms):
    api.force_authenticate(member_of("receptionist", "desk"))
    assert api.get("/api/calendly/resources").status_code == 200
    assert api.patch("/api/calendly/resources/room-1", {"is_active": False}, format="json").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/calendly/resources").status_code in (401, 403)


def test_a_rooms_feed_shows_type_time_and_practitioner_but_no_patient(client, booking):
    unit = Resource.objects.get(slug="room-1")
    token = unit.issue_feed_token()
    answer = client.get(f"/calendars/resources/room-1.ics?token={token}")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert f"SUMMARY:Consultation: {booking.practitioner.name}" in text
    assert "Ann Lee" not in text and "A. L." not in text
    again = client.get(f"/calendars/resources/room-1.ics?token={token}", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304
    assert client.get("/calendars/resources/room-1.ics?token=wrong").status_code == 404
    assert client.get(f"/calendars/resources/room-2.ics?token={token}").status_code == 404


def test_a_claim_moved_away_leaves_the_rooms_feed(client, manager, booking):
    token = Resource.objects.get(slug="room-1").issue_feed_token()
    first = client.get(f"/calendars/resources/room-1.ics?token={token}")
    manager.patch("/api/calendly/resources/room-1", {"is_active": False, "reassign": True}, format="json")
    after = client.get(f"/calendars/resources/room-1.ics?token={token}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and "Consultation" not in after.content.decode()
