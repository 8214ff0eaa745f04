"""The waitlist across real processes: gunicorn workers racing an offer's acceptance against direct
bookings of the same time, and a job worker killed while an offer stands (it lapses with no worker
running; the restarted worker passes it to the next in line, who accepts)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from outbox.tests.mail import Inbox, text_of
from scheduling import clinic_time
from scheduling.tests.live import (
    PROJECT,
    database_of_this_run,
    fire_together,
    free_port,
    manage,
    request,
    server_env,
    servers,
    start_worker,
    stop,
    wait_until,
)

pytestmark = pytest.mark.live_server_process
OFFER_SECONDS = 4


@pytest.fixture
def inbox():
    server = Inbox(free_port()).start()
    yield server
    server.stop()


def env_for(tmp_path, database_url: str, inbox: Inbox) -> dict:
    return server_env(
        tmp_path,
        database_url,
        EMAIL_URL=f"smtp://127.0.0.1:{inbox.port}",
        WAITLIST_OFFER_MINUTES=str(OFFER_SECONDS / 60),
        OUTBOX_SWEEP_GRACE_SECONDS="1",
    )


def slot(start: str = "10:00") -> dict:
    day = clinic_time.today() + timedelta(days=3)
    return {"appointment_type": "consultation", "date": day.isoformat(), "start_time": start}


def join(url: str, name: str) -> dict:
    day = slot()["date"]
    body = {
        "appointment_type": "consultation",
        "earliest_date": day,
        "latest_date": day,
        "earliest_time": "10:00",
        "latest_time": "10:30",
        "patient_name": name,
        "patient_email": f"{name.lower()}@example.com",
    }
    status, joined = request("POST", f"{url}/api/calendly/waitlist", body)
    assert status == 201, joined
    return joined


def book_then_cancel(url: str) -> None:
    status, booked = request("POST", f"{url}/api/calendly/book", {**slot(), "patient_name": "Ada"})
    assert status == 200, booked
    cancel = f"{url}/api/calendly/bookings/{booked['booking_id']}/cancel?token={booked['manage_token']}"
    assert request("POST", cancel)[0] == 200


def entry(url: str, joined: dict) -> dict:
    status, seen = request("GET", f"{url}/api/calendly/waitlist/{joined['waitlist_id']}?token={joined['manage_token']}")
    assert status == 200
    return seen


def run_jobs(env: dict) -> None:
    manage(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")


def blocking_bookings(env: dict) -> list[dict]:
    """Every booking or hold that keeps its time, read as an operator would: the test's one slot."""
    code = (
        "import json; from scheduling.models import Booking; "
        "print(json.dumps(list(Booking.objects.filter(status__in=Booking.BLOCKING)"
        ".values('reference', 'status', 'patient_name'))))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_accepting_an_offer_races_direct_bookings_of_the_same_time(tmp_path, inbox):
    with database_of_this_run(tmp_path) as database_url:
        env = env_for(tmp_path, database_url, inbox)
        env["WAITLIST_OFFER_MINUTES"] = "30"
        manage(env, "migrate", "--noinput")
        with servers(env, workers=4) as (server,):
            grace = join(server.url, "Grace")
            book_then_cancel(server.url)
            run_jobs(env)
            assert entry(server.url, grace)["offer"]["status"] == "open"

            accept = f"{server.url}/api/calendly/waitlist/{grace['waitlist_id']}/accept?token={grace['manage_token']}"
            direct = f"{server.url}/api/calendly/book"
            results = fire_together(
                [("POST", accept, None)] + [("POST", direct, {**slot(), "patient_name": "Eve"})] * 7
            )

            assert results[0][0] == 200, results[0]
            assert [status for status, _ in results[1:]] == [409] * 7
            assert entry(server.url, grace)["status"] == "booked"
        blocking = blocking_bookings(env)
    assert [(b["status"], b["patient_name"]) for b in blocking] == [("confirmed", "Grace")]


def test_once_an_offer_lapses_a_direct_booking_wins_and_the_late_accept_is_told(tmp_path, inbox):
    with database_of_this_run(tmp_path) as database_url:
        env = env_for(tmp_path, database_url, inbox)
        manage(env, "migrate", "--noinput")
        with servers(env, workers=4) as (server,):
            grace = join(server.url, "Grace")
            book_then_cancel(server.url)
            run_jobs(env)
            time.sleep(OFFER_SECONDS + 0.5)  # the offer lapses; no worker has recorded it yet

            accept = f"{server.url}/api/calendly/waitlist/{grace['waitlist_id']}/accept?token={grace['manage_token']}"
            direct = f"{server.url}/api/calendly/book"
            results = fire_together(
                [("POST", accept, None)] + [("POST", direct, {**slot(), "patient_name": "Eve"})] * 7
            )

            assert results[0][0] == 409 and results[0][1]["code"] == "offer_ended", results[0]
            assert sorted(status for status, _ in results[1:]) == [200] + [409] * 6
        blocking = blocking_bookings(env)
    assert [(b["status"], b["patient_name"]) for b in blocking] == [("confirmed", "Eve")]


def offers_to(inbox: Inbox, to: str) -> list:
    return [m for m in inbox.messages if to in m["To"] and m["Subject"].startswith("A time has come free")]


def offer_link(inbox: Inbox, to: str) -> str:
    [message] = offers_to(inbox, to)
    return re.search(r"https?://\S+/offer/\S+", text_of(message)).group(0)


def test_an_offer_survives_a_worker_killed_while_it_stands(tmp_path, inbox):
    with database_of_this_run(tmp_path) as database_url:
        env = env_for(tmp_path, database_url, inbox)
        manage(env, "migrate", "--noinput")
        with servers(env, workers=2) as (server,):
            grace, alan = join(server.url, "Grace"), join(server.url, "Alan")
            worker = start_worker(env, "before-restart")
            try:
                book_then_cancel(server.url)
                wait_until(lambda: offers_to(inbox, "grace@"))
            finally:
                stop(worker, signal.SIGKILL)  # killed while Grace's offer stands
            assert entry(server.url, grace)["offer"]["status"] == "open"

            time.sleep(OFFER_SECONDS + 0.5)  # it lapses with no worker running
            assert entry(server.url, alan)["offer"] is None

            manage(env, "sweep_outbox")
            worker = start_worker(env, "after-restart")
            try:
                wait_until(lambda: offers_to(inbox, "alan@"))
                link = offer_link(inbox, "alan@")
                offer = entry(server.url, alan)["offer"]
                accept = f"{server.url}/api/calendly/waitlist/{alan['waitlist_id']}/accept?token={alan['manage_token']}"
                status, booked = request("POST", accept)
                assert status == 200, booked
                assert booked["booking_id"] == offer["booking_id"]
                assert f"/offer/{offer['booking_id']}/" in link
                wait_until(
                    lambda: any("alan@" in m["To"] and m["Subject"].startswith("Booked") for m in inbox.messages)
                )
            finally:
                stop(worker)
            assert entry(server.url, grace)["status"] == "waiting"
            assert entry(server.url, alan)["status"] == "booked"
