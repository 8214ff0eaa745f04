"""Every answer that carries patient data (or a credential to it) says `Cache-Control: no-store`: the
manage API, booking, holds, the staff API, the waitlist, the booking page's pages and downloads, and the
practitioners' calendar feeds. One walk through them, as a patient, staff and a calendar app make them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User

from scheduling import clinic_time
from scheduling.models import Practitioner
from scheduling.tests.staff import FRONT_DESK, staff_member

pytestmark = pytest.mark.django_db


def cache_control(response) -> str:
    return response.headers.get("Cache-Control", "")


@pytest.fixture
def desk(db) -> User:
    return staff_member("desk", *FRONT_DESK, password="a-long-desk-password")


def walk(api, client, desk, book, tomorrow) -> dict:
    """Each request of the walk, by name, with its answer."""
    answers = {}
    day = tomorrow.isoformat()
    slot = {"appointment_type": "consultation", "date": day}
    answers["POST /book"] = booked = book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="a@x.org")
    answers["POST /book (refused)"] = book(tomorrow, "10:00", patient_name="Ada Lovelace")
    reference, token = booked.json()["booking_id"], booked.json()["manage_token"]
    mine = f"/api/calendly/bookings/{reference}"
    answers["POST /holds"] = held = api.post("/api/calendly/holds", {**slot, "start_time": "11:00"}, format="json")
    answers["POST /holds/release"] = api.post(
        "/api/calendly/holds/release", {"hold_id": held.json()["hold_id"]}, format="json"
    )
    answers["GET /bookings/{id}?token"] = api.get(mine, {"token": token})
    answers["GET /bookings/{id} wrong token"] = api.get(mine, {"token": "wrong"})
    answers["POST /bookings/{id}/reschedule"] = api.post(
        f"{mine}/reschedule?token={token}", {"date": day, "start_time": "12:00"}, format="json"
    )
    answers["GET /manage/{id}/"] = client.get(f"/manage/{reference}/", {"token": token})
    answers["GET /manage/{id}/appointment.ics"] = client.get(f"/manage/{reference}/appointment.ics", {"token": token})
    wish = {"appointment_type": "consultation", "earliest_date": day, "latest_date": day}
    patient = {"patient_name": "Grace Hopper", "patient_email": "grace@example.com"}
    answers["POST /waitlist"] = joined = api.post("/api/calendly/waitlist", {**wish, **patient}, format="json")
    entry = f"/api/calendly/waitlist/{joined.json()['waitlist_id']}?token={joined.json()['manage_token']}"
    answers["GET /waitlist/{id}"] = api.get(entry)
    answers["DELETE /waitlist/{id}"] = api.delete(entry)
    answers["POST /bookings/{id}/cancel"] = api.post(f"{mine}/cancel?token={token}", {}, format="json")

    staff = book(tomorrow, "14:00", patient_name="Ben Stone").json()["booking_id"]
    api.force_authenticate(desk)
    answers["GET /bookings (staff)"] = api.get("/api/calendly/bookings")
    answers["GET /bookings/{id} (staff)"] = api.get(f"/api/calendly/bookings/{staff}")
    answers["GET /bookings/{id}/events"] = api.get(f"/api/calendly/bookings/{staff}/events")
    with time_machine.travel(clinic_time.at(tomorrow, time(14, 5)), tick=False):
        answers["POST /bookings/{id}/check-in"] = api.post(f"/api/calendly/bookings/{staff}/check-in")
        answers["POST /bookings/{id}/complete"] = api.post(f"/api/calendly/bookings/{staff}/complete")
    late = book(tomorrow, "15:00", patient_name="Cy Young").json()["booking_id"]
    with time_machine.travel(clinic_time.at(tomorrow, time(15, 20)), tick=False):
        answers["POST /bookings/{id}/no-show"] = api.post(f"/api/calendly/bookings/{late}/no-show")

    practitioner = Practitioner.objects.get(slug="clinic")
    feed = f"/calendars/clinic.ics?token={practitioner.issue_feed_token()}"
    answers["GET /calendars/{slug}.ics"] = first = client.get(feed)
    answers["GET /calendars/{slug}.ics unchanged"] = client.get(feed, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    return answers


def test_every_answer_with_patient_data_says_no_store(api, client, desk, book, tomorrow):
    answers = walk(api, client, desk, book, tomorrow + timedelta(days=1))
    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses["POST /book"] == 200 and statuses["POST /bookings/{id}/no-show"] == 200, statuses
    assert statuses["GET /calendars/{slug}.ics unchanged"] == 304
    cached = {
        name: cache_control(response) for name, response in answers.items() if "no-store" not in cache_control(response)
    }
    assert cached == {}


def test_the_api_also_says_so_to_http_1_0_caches(api, book, tomorrow):
    booked = book(tomorrow, "10:00").json()
    response = api.get(f"/api/calendly/bookings/{booked['booking_id']}", {"token": booked["manage_token"]})
    assert "private" in cache_control(response) and "max-age=0" in cache_control(response)
    assert response.headers["Expires"]
