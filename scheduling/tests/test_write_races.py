"""Changes racing through real gunicorn workers, on the suite's engine: each contest has exactly one
winner, every loser gets a clear 4xx, and the history records exactly one event for the change."""

from datetime import timedelta

import pytest

from scheduling import clinic_time
from scheduling.tests.live import database_of_this_run, fire_together, manage, request, server_env, servers, staff_token

pytestmark = pytest.mark.live_server_process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One gunicorn with four workers, and a staff token for reading histories."""
    tmp_path = tmp_path_factory.mktemp("races")
    with database_of_this_run(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        manage(env, "migrate", "--noinput")
        token = staff_token(env)
        with servers(env, workers=4) as (running,):
            yield running.url, {"Authorization": f"Token {token}"}


def slot(days_ahead: int, start: str, appointment_type: str = "consultation") -> dict:
    day = clinic_time.today() + timedelta(days=days_ahead)
    return {"appointment_type": appointment_type, "date": day.isoformat(), "start_time": start}


def statuses(results) -> list[int]:
    return sorted(status for status, _ in results)


def history(server, booking_id) -> list[str]:
    url, staff = server
    status, events = request("GET", f"{url}/api/calendly/bookings/{booking_id}/events", headers=staff)
    assert status == 200
    return [event["kind"] for event in events]


def test_holds_racing_for_one_slot_give_it_to_one(server):
    url, _ = server
    results = fire_together([("POST", f"{url}/api/calendly/holds", slot(2, "10:00"))] * 16)
    assert statuses(results) == [201] + [409] * 15


def test_holds_and_bookings_racing_for_one_slot_give_it_to_one(server):
    url, _ = server
    overlapping = [("POST", f"{url}/api/calendly/holds", slot(2, "11:00", "therapy"))] * 8
    overlapping += [("POST", f"{url}/api/calendly/book", {**slot(2, "11:30"), "patient_name": "P"})] * 8
    results = fire_together(overlapping)
    assert [s for s in statuses(results) if s != 409] in ([200], [201]), statuses(results)
    assert statuses(results).count(409) == 15


def test_concurrent_cancels_of_one_booking_give_one_success_and_one_event(server):
    url, _ = server
    _, booked = request("POST", f"{url}/api/calendly/book", {**slot(3, "09:00"), "patient_name": "Ada"})
    cancel = f"{url}/api/calendly/bookings/{booked['booking_id']}/cancel?token={booked['manage_token']}"
    results = fire_together([("POST", cancel, {"reason": "twice"})] * 8)
    assert statuses(results).count(200) == 1, results
    losers = [answer for status, answer in results if status != 200]
    assert all(answer["code"] in ("booking_changed", "already_cancelled") for answer in losers), losers
    assert history(server, booked["booking_id"]) == ["created", "cancelled"]


def test_concurrent_moves_of_one_booking_each_apply_whole_or_not_at_all(server):
    """A move that reads the booking after another committed may legitimately move it again; what must hold
    is that each success is one event and one revision, and the booking ends where the last one put it."""
    url, staff = server
    _, booked = request("POST", f"{url}/api/calendly/book", {**slot(3, "10:00"), "patient_name": "Ada"})
    move = f"{url}/api/calendly/bookings/{booked['booking_id']}/reschedule?token={booked['manage_token']}"
    targets = [slot(3, f"{hour}:00") for hour in (11, 12, 13, 14, 15, 16)]
    results = fire_together([("POST", move, {"date": t["date"], "start_time": t["start_time"]}) for t in targets])
    assert {status for status, _ in results} <= {200, 409}, results
    moved = sorted((answer["revision"], answer["start_time"]) for status, answer in results if status == 200)
    assert [revision for revision, _ in moved] == list(range(2, 2 + len(moved)))
    assert history(server, booked["booking_id"]) == ["created"] + ["rescheduled"] * len(moved)
    _, final = request("GET", f"{url}/api/calendly/bookings/{booked['booking_id']}", headers=staff)
    assert final["start_time"] == moved[-1][1]


def test_concurrent_confirmations_of_one_hold_make_one_booking(server):
    url, _ = server
    _, held = request("POST", f"{url}/api/calendly/holds", slot(4, "09:00"))
    confirm = {"hold_id": held["hold_id"], "patient_name": "Ada"}
    results = fire_together([("POST", f"{url}/api/calendly/book", confirm)] * 8)
    assert statuses(results).count(200) == 1, results
    assert {status for status, _ in results} <= {200, 400, 409}
    (booking_id,) = {answer["booking_id"] for status, answer in results if status == 200}
    assert history(server, booking_id) == ["held", "created"]


def test_concurrent_merges_of_one_record_make_one_merge(server):
    """Two staff merge the same record into two others at once: one merge happens, whole; the others are
    refused (already merged, or merged meanwhile) and change nothing."""
    url, staff = server
    for hour, name in ((9, "Merge Race"), (10, "Merge Race Kept"), (11, "Merge Race Other")):
        request("POST", f"{url}/api/calendly/book", {**slot(5, f"{hour}:00"), "patient_name": name})
    _, found = request("GET", f"{url}/api/calendly/patients?q=merge+race", headers=staff)
    refs = {patient["given_name"] + " " + patient["family_name"]: patient["reference"] for patient in found["results"]}
    merged, kept, other = refs["Merge Race"], refs["Merge Race Kept"], refs["Merge Race Other"]
    calls = [("POST", f"{url}/api/calendly/patients/{merged}/merge", {"into": into}) for into in (kept, other) * 8]

    results = fire_together(calls, headers=staff)

    assert statuses(results).count(200) == 1, results
    assert {status for status, _ in results} <= {200, 400, 409}
    (winner,) = [answer["merged_into"] for status, answer in results if status == 200]
    _, record = request("GET", f"{url}/api/calendly/patients/{winner}", headers=staff)
    assert record["counts"]["bookings"] == 2
    loser = other if winner == kept else kept
    _, untouched = request("GET", f"{url}/api/calendly/patients/{loser}", headers=staff)
    assert untouched["counts"]["bookings"] == 1
