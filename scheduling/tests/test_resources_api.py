"""Rooms and group sessions through the API: staff pin a room, patients never see one, and group types'
slots say how many seats are left."""

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from scheduling import clinic_time
from scheduling.models import Booking, ResourceClaim, ResourcePool
from scheduling.open_days import BookableTime
from scheduling.tests.resources import ROOMS, group_type, treatment_rooms, type_in_a_room
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db
PROTOTYPE_SLOT_FIELDS = {"start", "end", "starts_at", "ends_at", "practitioners"}


@pytest.fixture
def day(today):
    return today + timedelta(days=2)


@pytest.fixture
def massage(make_practitioner):
    treatment_rooms()
    made = type_in_a_room()
    for n in (1, 2, 3):
        make_practitioner(f"therapist-{n}", types=[made])
    return made


@pytest.fixture
def pilates(make_practitioner):
    made = group_type()
    make_practitioner("instructor", types=[made])
    return made


@pytest.fixture
def desk(api, staff_key):
    """The API client with a front-desk staff token."""
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_key(staff_member('desk', *FRONT_DESK))}")
    return api


def booking_body(day, start_time="10:00", appointment_type="massage", **extra):
    return {
        "patient_name": "Rahul Sharma",
        "appointment_type": appointment_type,
        "date": day.isoformat(),
        "start_time": start_time,
        **extra,
    }


def post_booking(client, day, start_time="10:00", appointment_type="massage", **extra):
    return client.post("/api/calendly/book", booking_body(day, start_time, appointment_type, **extra), format="json")


def units_of(reference):
    return sorted(ResourceClaim.objects.filter(booking__reference=reference).values_list("resource__slug", flat=True))


def test_staff_pin_a_room_and_see_it_on_the_booking(desk, massage, day):
    answer = post_booking(desk, day, resources={ROOMS: "room-2"})
    assert answer.status_code == 200, answer.json()
    reference = answer.json()["booking_id"]
    assert units_of(reference) == ["room-2"]
    shown = desk.get(f"/api/calendly/bookings/{reference}").json()
    assert shown["resources"] == {ROOMS: ["room-2"]}
    assert shown["session"] is None


def test_without_a_pin_the_clinic_assigns_a_room_for_a_patient(api, massage, day):
    answer = post_booking(api, day)
    assert answer.status_code == 200, answer.json()
    assert units_of(answer.json()["booking_id"]) == ["room-1"]


def test_a_patient_naming_a_room_is_refused_403_naming_resources(api, massage, day):
    answer = post_booking(api, day, resources={ROOMS: "room-2"})
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "staff_only"
    assert list(body["errors"]) == ["resources"]
    assert not Booking.objects.exists()


def test_a_patient_sending_no_room_at_all_books_as_usual(api, massage, day):
    answer = post_booking(api, day, resources={})
    assert answer.status_code == 200
    assert "resources" not in answer.json()


def test_a_patient_holding_with_a_room_is_refused_too(api, massage, day):
    body = {
        "appointment_type": "massage",
        "date": day.isoformat(),
        "start_time": "10:00",
        "resources": {ROOMS: "room-1"},
    }
    answer = api.post("/api/calendly/holds", body, format="json")
    assert answer.status_code == 403
    assert list(answer.json()["errors"]) == ["resources"]


def test_staff_hold_a_pinned_room(desk, massage, day):
    body = {
        "appointment_type": "massage",
        "date": day.isoformat(),
        "start_time": "10:00",
        "resources": {ROOMS: "room-2"},
    }
    answer = desk.post("/api/calendly/holds", body, format="json")
    assert answer.status_code == 201, answer.json()
    held = Booking.objects.get(status=Booking.Status.HELD)
    assert units_of(held.reference) == ["room-2"]


@pytest.mark.parametrize(
    ("pinned", "code"),
    [
        ({"machines": "room-1"}, "unknown_resource"),  # no such pool
        ({ROOMS: "room-9"}, "unknown_resource"),  # no such unit
        ({ROOMS: "scanner"}, "resource_not_in_pool"),
        ({"scanners": "scanner"}, "unknown_resource"),  # a pool that exists, but the type needs none of it
    ],
)
def test_a_pin_that_cannot_be_is_400_naming_resources(desk, massage, day, pinned, code):
    from scheduling.models import Resource

    scanner = Resource.objects.create(slug="scanner", name="Scanner", kind="equipment")
    ResourcePool.objects.create(slug="scanners", name="Scanners").members.set([scanner])
    answer = post_booking(desk, day, resources=pinned)
    assert answer.status_code == 400, answer.json()
    body = answer.json()
    assert (body["code"], list(body["errors"])) == (code, ["resources"])
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "pinned",
    [
        ["room-1"],
        "room-1",
        42,
        None,
        {ROOMS: 2},
        {ROOMS: []},
        {ROOMS: ["room-1", 2]},
        {ROOMS: [f"room-{n}" for n in range(11)]},
        {ROOMS: {"unit": "room-1"}},
        {ROOMS: "room\x00-1"},
        {"treatment\x00rooms": "room-1"},
        {ROOMS: "room 1"},
        {ROOMS: ""},
        {ROOMS: "r" * 51},
        {ROOMS: "r\u043eom-1"},  # a Cyrillic o
        {f"pool-{n}": "room-1" for n in range(11)},
    ],
)
def test_a_badly_shaped_pin_is_400_naming_resources(desk, massage, day, pinned):
    answer = post_booking(desk, day, resources=pinned)
    assert answer.status_code == 400, answer.json()
    assert list(answer.json()["errors"]) == ["resources"]
    assert "\x00" not in answer.content.decode()


def test_a_busy_pinned_room_is_409_with_the_alternatives(desk, massage, day):
    assert post_booking(desk, day, resources={ROOMS: "room-1"}).status_code == 200
    answer = post_booking(desk, day, resources={ROOMS: "room-1"})
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "resource_taken"
    first, *later = body["alternatives"]
    assert first == {"date": day.isoformat(), "start_time": "10:00", "resources": {ROOMS: ["room-2"]}}
    assert later and all(a["resources"] == {ROOMS: ["room-1"]} and a["start_time"] != "10:00" for a in later)
    assert Booking.objects.count() == 1


def test_a_room_taken_between_the_check_and_the_write_is_409_not_500(desk, massage, day, monkeypatch):
    """The engine offered room-1 though it is taken (another request's claim committed after the check): the
    database's guard refuses every attempt, and the answer is a conflict."""
    assert post_booking(desk, day, resources={ROOMS: "room-1"}).status_code == 200
    monkeypatch.setattr(BookableTime, "units_for", lambda self, *args, **kwargs: {ROOMS: ("room-1",)})
    answer = post_booking(desk, day)
    assert answer.status_code == 409
    assert answer.json()["code"] == "slot_unavailable"


def test_staff_move_a_booking_to_a_pinned_room(desk, massage, day):
    reference = post_booking(desk, day, resources={ROOMS: "room-1"}).json()["booking_id"]
    move = {"date": day.isoformat(), "start_time": "11:00", "resources": {ROOMS: "room-2"}}
    answer = desk.post(f"/api/calendly/bookings/{reference}/reschedule", move, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["resources"] == {ROOMS: ["room-2"]}
    assert answer.json()["start_time"] == "11:00"


def test_a_patient_moving_their_booking_cannot_pin_a_room(api, massage, day):
    booked = post_booking(api, day).json()
    move = {"date": day.isoformat(), "start_time": "11:00", "resources": {ROOMS: "room-2"}}
    answer = api.post(
        f"/api/calendly/bookings/{booked['booking_id']}/reschedule",
        move,
        format="json",
        HTTP_X_MANAGE_TOKEN=booked["manage_token"],
    )
    assert answer.status_code == 403
    assert list(answer.json()["errors"]) == ["resources"]
    assert clinic_time.local(Booking.objects.get().starts_at).hour == 10


def test_the_patients_own_view_shows_no_room(api, massage, day):
    booked = post_booking(api, day).json()
    shown = api.get(f"/api/calendly/bookings/{booked['booking_id']}", HTTP_X_MANAGE_TOKEN=booked["manage_token"])
    assert shown.status_code == 200
    assert "resources" not in shown.json() and "session" not in shown.json()
    assert "room" not in shown.content.decode()
    moved = api.post(
        f"/api/calendly/bookings/{booked['booking_id']}/reschedule",
        {"date": day.isoformat(), "start_time": "11:00"},
        format="json",
        HTTP_X_MANAGE_TOKEN=booked["manage_token"],
    )
    assert moved.status_code == 200, moved.json()
    assert "resources" not in moved.json() and "room" not in moved.content.decode()


def test_the_staff_list_shows_each_bookings_rooms(desk, massage, day):
    post_booking(desk, day, resources={ROOMS: "room-2"})
    post_booking(desk, day, "11:00", appointment_type="consultation")
    listed = desk.get("/api/calendly/bookings").json()["results"]
    assert sorted(map(str, (b["resources"] for b in listed))) == sorted(["{}", str({ROOMS: ["room-2"]})])


def slots(client, day, appointment_type, **params):
    answer = client.get(
        "/api/calendly/availability", {"date": day.isoformat(), "appointment_type": appointment_type, **params}
    )
    assert answer.status_code == 200, answer.json()
    return {slot["start"]: slot for slot in answer.json()["available_slots"]}


def test_a_group_types_slots_say_how_many_seats_are_left_and_never_go_stale(api, pilates, day):
    assert slots(api, day, "pilates")["10:00"]["seats_left"] == 3
    assert post_booking(api, day, appointment_type="pilates").status_code == 200
    assert post_booking(api, day, patient_name="Ann Lee", appointment_type="pilates").status_code == 200
    offered = slots(api, day, "pilates")
    assert offered["10:00"]["seats_left"] == 1
    assert offered["11:00"]["seats_left"] == 3
    assert set(offered["10:00"]) == PROTOTYPE_SLOT_FIELDS | {"seats_left"}


def test_a_full_session_is_not_offered(api, pilates, day):
    for name in ("Ann Lee", "Ben Lee", "Cat Lee"):
        assert post_booking(api, day, patient_name=name, appointment_type="pilates").status_code == 200
    assert "10:00" not in slots(api, day, "pilates")
    fourth = post_booking(api, day, patient_name="Dan Lee", appointment_type="pilates")
    assert fourth.status_code == 409
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 3


def test_seats_left_is_in_the_range_answer_and_the_staff_answer_too(desk, api, pilates, day):
    post_booking(api, day, appointment_type="pilates")
    query = {"start_date": day.isoformat(), "end_date": (day + timedelta(days=1)).isoformat()}
    for client in (api, desk):  # the plain answer before DRF, and DRF's with a credential
        answer = client.get("/api/calendly/availability", {"appointment_type": "pilates", **query}).json()
        first, second = answer["days"]
        assert {s["start"]: s["seats_left"] for s in first["available_slots"]}["10:00"] == 2
        assert {s["seats_left"] for s in second["available_slots"]} == {3}


def test_other_types_slots_keep_the_prototypes_fields_exactly(api, massage, pilates, day):
    for appointment_type in ("consultation", "massage"):
        offered = slots(api, day, appointment_type)
        assert offered and all(set(slot) == PROTOTYPE_SLOT_FIELDS for slot in offered.values())


def test_staff_see_a_seats_session(desk, api, pilates, day):
    post_booking(api, day, appointment_type="pilates")
    reference = post_booking(desk, day, patient_name="Ann Lee", appointment_type="pilates").json()["booking_id"]
    session = desk.get(f"/api/calendly/bookings/{reference}").json()["session"]
    assert (session["capacity"], session["seats_taken"]) == (3, 2)
    seat = Booking.objects.get(reference=reference)
    assert parse_datetime(session["starts_at"]) == seat.starts_at


def test_a_seat_moved_joins_the_session_at_its_new_time(desk, api, pilates, day):
    post_booking(api, day, "11:00", appointment_type="pilates")
    reference = post_booking(api, day, patient_name="Ann Lee", appointment_type="pilates").json()["booking_id"]
    move = {"date": day.isoformat(), "start_time": "11:00"}
    answer = desk.post(f"/api/calendly/bookings/{reference}/reschedule", move, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["session"]["seats_taken"] == 2
    offered = slots(api, day, "pilates")
    assert (offered["10:00"]["seats_left"], offered["11:00"]["seats_left"]) == (3, 1)


@pytest.mark.parametrize(("staff", "status"), [(False, 403), (True, 400)])
def test_confirming_a_hold_takes_no_pin(request, api, massage, day, staff, status):
    client = request.getfixturevalue("desk") if staff else api
    body = {"appointment_type": "massage", "date": day.isoformat(), "start_time": "10:00"}
    hold_id = client.post("/api/calendly/holds", body, format="json").json()["hold_id"]
    answer = post_booking(client, day, hold_id=hold_id, resources={ROOMS: "room-2"})
    assert answer.status_code == status
    assert list(answer.json()["errors"]) == ["resources"]
    assert Booking.objects.get().status == Booking.Status.HELD
