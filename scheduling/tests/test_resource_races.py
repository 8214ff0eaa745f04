"""Patients racing for the last room and the last seats through real gunicorn workers, on the suite's engine:
the room goes to exactly one, the seats to exactly as many as there are, every other patient gets a 409 and
nobody a 5xx. The database's guards decide, whichever worker each request reached."""

from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.tests.live import database_of_this_run, fire_together, manage, request, server_env, servers, staff_token

pytestmark = pytest.mark.live_server_process

PRACTITIONERS = 20
SEATS = 10

# One room that "room visit" needs, twenty practitioners who offer it (so the room, not a practitioner, is
# what runs out), and a "class" of ten seats that needs the room too.
CLINIC = f"""
from datetime import time
from scheduling.models import *
room = Resource.objects.create(slug="room-1", name="Room 1")
pool = ResourcePool.objects.create(slug="rooms", name="Rooms")
pool.members.add(room)
visit = AppointmentType.objects.create(slug="room-visit", name="Room visit", duration_minutes=30)
group = AppointmentType.objects.create(slug="class", name="Class", duration_minutes=60, capacity={SEATS})
for kind in (visit, group):
    ResourceRequirement.objects.create(appointment_type=kind, pool=pool)
for n in range({PRACTITIONERS}):
    p = Practitioner.objects.create(slug=f"dr-{{n}}", name=f"Dr {{n}}")
    p.appointment_types.set([visit, group] if n == 0 else [visit])
    OpeningHours.objects.bulk_create(
        OpeningHours(practitioner=p, weekday=d, opens_at=time(9), closes_at=time(17)) for d in range(7)
    )
"""

CLAIMS_AT = """
from scheduling.models import ResourceClaim, Booking
from scheduling import clinic_time
from datetime import date, time
start = clinic_time.at(date.fromisoformat("{day}"), time.fromisoformat("{start}"))
print(ResourceClaim.objects.filter(resource__slug="room-1", status__in=Booking.BLOCKING, blocked_from=start).count())
"""


SEATS_AT = """
from django.db.models import Count, Q
from scheduling.models import GroupSession, Booking
from scheduling import clinic_time
from datetime import date, time
start = clinic_time.at(date.fromisoformat("{day}"), time.fromisoformat("{start}"))
blocking = Q(seats__status__in=Booking.BLOCKING)
taken = GroupSession.objects.filter(starts_at=start).annotate(n=Count("seats", filter=blocking))
print(sorted(s.n for s in taken))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("resource-races")
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", CLINIC)
        token = staff_token(env)
        with servers(env, workers=4) as (running,):
            yield running.url, {"Authorization": f"Token {token}"}, env


def booking(appointment_type: str, days_ahead: int, start: str, name: str) -> dict:
    day = clinic_time.today() + timedelta(days=days_ahead)
    return {"appointment_type": appointment_type, "date": day.isoformat(), "start_time": start, "patient_name": name}


def claims_at(env, days_ahead: int, start: str) -> int:
    day = clinic_time.today() + timedelta(days=days_ahead)
    return int(manage(env, "shell", "-c", CLAIMS_AT.format(day=day.isoformat(), start=start)).split()[-1])


def seats_taken(env, days_ahead: int, start: str) -> list[int]:
    day = clinic_time.today() + timedelta(days=days_ahead)
    printed = manage(env, "shell", "-c", SEATS_AT.format(day=day.isoformat(), start=start)).strip().splitlines()[-1]
    return [int(n) for n in printed.strip("[]").split(",") if n.strip()]


def test_twenty_patients_for_the_last_free_room_give_it_to_one(server):
    url, _, env = server
    calls = [("POST", f"{url}/api/calendly/book", booking("room-visit", 2, "10:00", f"Patient {n}")) for n in range(20)]

    results = fire_together(calls)

    statuses = sorted(status for status, _ in results)
    print(f"\nlast room, 20 at once: {statuses.count(200)} x 200, {statuses.count(409)} x 409, {statuses}")
    assert statuses == [200] + [409] * 19, results
    assert claims_at(env, 2, "10:00") == 1


def test_thirty_patients_for_eight_seats_left_give_eight_seats(server):
    url, _, env = server
    for n in range(SEATS - 8):
        status, answer = request("POST", f"{url}/api/calendly/book", booking("class", 3, "11:00", f"Early {n}"))
        assert status == 200, answer
    calls = [("POST", f"{url}/api/calendly/book", booking("class", 3, "11:00", f"Patient {n}")) for n in range(30)]

    results = fire_together(calls)

    statuses = sorted(status for status, _ in results)
    print(f"\n8 seats left, 30 at once: {statuses.count(200)} x 200, {statuses.count(409)} x 409")
    assert statuses == [200] * 8 + [409] * 22, results
    day = (clinic_time.today() + timedelta(days=3)).isoformat()
    status, availability = request("GET", f"{url}/api/calendly/availability?appointment_type=class&date={day}")
    assert status == 200
    assert "11:00" not in {slot["start"] for slot in availability["available_slots"]}
    assert seats_taken(env, 3, "11:00") == [SEATS]  # one session, full
    assert claims_at(env, 3, "11:00") == SEATS  # one claim of the room per seat
