"""`/api/calendly/waitlist`: joining answers 201 with the id, the token and the place in line; every bad
input is a 400 naming its field; the token shows the entry, answers its offer, and leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbox.tests.mail import text_of
from scheduling.models import Booking
from waitlist.models import Entry, Offer
from waitlist.tests.freed_time import cancel

pytestmark = pytest.mark.django_db


def entry_url(joined: dict, action: str = "") -> str:
    suffix = f"/{action}" if action else ""
    return f"/api/calendly/waitlist/{joined['waitlist_id']}{suffix}?token={joined['manage_token']}"


def test_joining_answers_the_id_the_token_and_the_place_in_line(join, day):
    first = join("Grace Hopper")
    second = join("Alan Turing", practitioner="clinic")
    assert (first.status_code, second.status_code) == (201, 201)
    body = second.json()
    assert body["waitlist_id"].startswith("wl_")
    assert body["manage_token"]
    assert body["position"] == 2
    assert body["status"] == "waiting"
    assert body["manage_url"].endswith(f"/waitlist/{body['waitlist_id']}/?token={body['manage_token']}")
    assert {k: body[k] for k in ("appointment_type", "practitioner", "earliest_date", "latest_time")} == {
        "appointment_type": "consultation",
        "practitioner": "clinic",
        "earliest_date": day.isoformat(),
        "latest_time": "10:30",
    }
    assert body["offer"] is None


def test_joining_sends_the_patient_their_link(api, join, inbox, run_worker):
    joined = join("Grace Hopper").json()
    run_worker()
    [message] = inbox.messages
    assert message["Subject"] == "You are on the waitlist: Consultation"
    assert message["To"] == "Grace Hopper <grace@example.com>"
    body = text_of(message)
    assert f"/waitlist/{joined['waitlist_id']}/?token={joined['manage_token']}" in body
    assert "finished by 10:30" in body


def test_the_token_shows_the_entry_and_nothing_else_does(api, join):
    joined = join("Grace Hopper").json()
    seen = api.get(entry_url(joined))
    assert seen.status_code == 200
    assert (seen.json()["position"], seen.json()["patient_email"]) == (1, "grace@example.com")
    assert "manage_token" not in seen.json()
    for wrong in ("", "nope", join("Alan Turing").json()["manage_token"]):
        response = api.get(f"/api/calendly/waitlist/{joined['waitlist_id']}?token={wrong}")
        assert response.status_code == 404
        assert "Grace" not in response.text


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"appointment_type": "massage"}, "appointment_type", "Unknown appointment type"),
        ({"earliest_date": "2020-01-01"}, "earliest_date", "in the past"),
        ({"latest_date": "tomorrow"}, "latest_date", "YYYY-MM-DD"),
        ({"earliest_time": "11:00", "latest_time": "10:00"}, "latest_time", "after earliest_time"),
        ({"earliest_time": "10:00", "latest_time": "10:15"}, "latest_time", "too short"),
        ({"earliest_time": "25:00"}, "earliest_time", "HH:MM"),
        ({"patient_email": None}, "patient_email", "required"),
        ({"patient_email": "not-an-address"}, "patient_email", "valid email"),
        ({"patient_name": 42}, "patient_name", "valid string"),
        ({"patient_phone": "call me"}, "patient_phone", "phone number"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(join, fields, field, words):
    response = join("Grace Hopper", **fields)
    assert response.status_code == 400, response.json()
    assert words.lower() in " ".join(response.json()["errors"][field]).lower()
    assert not Entry.objects.exists()


def test_dates_out_of_order_or_beyond_the_horizon_are_refused(join, day, today, make_practitioner, consultation):
    backwards = join("Grace Hopper", latest_date=(day - timedelta(days=1)).isoformat())
    assert backwards.status_code == 400
    assert backwards.json()["errors"] == {"latest_date": ["latest_date cannot be before earliest_date."]}
    too_far = join("Grace Hopper", latest_date=(today + timedelta(days=consultation.horizon_days + 1)).isoformat())
    assert too_far.status_code == 400
    assert "up to 90 days ahead" in too_far.json()["errors"]["latest_date"][0]
    make_practitioner("dr-rao", types=[])
    not_offered = join("Grace Hopper", practitioner="dr-rao")
    assert not_offered.status_code == 400
    assert not_offered.json()["errors"]["practitioner"] == ["Dr Rao does not offer Consultation."]


def test_leaving_takes_the_entry_out_of_line_and_is_safe_to_repeat(api, join):
    first = join("Grace Hopper").json()
    second = join("Alan Turing").json()
    assert api.delete(entry_url(first)).status_code == 204
    assert api.delete(entry_url(first)).status_code == 204
    assert api.get(entry_url(first)).json()["status"] == "left"
    assert api.get(entry_url(second)).json()["position"] == 1


def test_an_offer_is_seen_accepted_and_booked_through_the_api(api, join, booked, run_worker, mail_server_port):
    joined = join("Grace Hopper").json()
    cancel(api, booked)
    run_worker()
    offer = api.get(entry_url(joined)).json()["offer"]
    assert offer["status"] == "open"
    assert (offer["start_time"], offer["practitioner"]) == ("10:00", "clinic")

    accepted = api.post(entry_url(joined, "accept"))
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["booking_id"] == offer["booking_id"]
    assert accepted.json()["status"] == "confirmed"
    mine = api.get(f"/api/calendly/bookings/{offer['booking_id']}?token={accepted.json()['manage_token']}")
    assert mine.json()["patient_name"] == "Grace Hopper"
    after = api.get(entry_url(joined)).json()
    assert (after["status"], after["booking_id"], after["offer"]) == ("booked", offer["booking_id"], None)
    again = api.post(entry_url(joined, "accept"))
    assert (again.status_code, again.json()["code"]) == (409, "offer_ended")


def test_leaving_with_an_open_offer_withdraws_it_and_frees_the_time(
    api, join, booked, day, run_worker, mail_server_port
):
    joined = join("Grace Hopper").json()
    cancel(api, booked)
    run_worker()
    held = Offer.objects.get().hold
    assert api.delete(entry_url(joined)).status_code == 204
    assert Offer.objects.get().status == "withdrawn"
    assert Booking.objects.get(pk=held.pk).status == "released"
    free = api.get("/api/calendly/availability", {"date": day.isoformat(), "appointment_type": "consultation"})
    assert "10:00" in [slot["start"] for slot in free.json()["available_slots"]]


def test_declining_through_the_api_keeps_the_patient_in_line(api, join, booked, run_worker, mail_server_port):
    joined = join("Grace Hopper").json()
    cancel(api, booked)
    run_worker()
    declined = api.post(entry_url(joined, "decline"))
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["offer"]) == ("waiting", None)
    assert api.post(entry_url(joined, "decline")).status_code == 409


def test_public_availability_never_shows_who_waits_or_who_an_offer_is_for(
    api, join, booked, day, run_worker, mail_server_port
):
    join("Grace Hopper")
    cancel(api, booked)
    run_worker()
    free = api.get("/api/calendly/availability", {"date": day.isoformat(), "appointment_type": "consultation"})
    assert "10:00" not in [slot["start"] for slot in free.json()["available_slots"]]  # held for Grace
    assert "Grace" not in free.text and "grace@" not in free.text


def test_the_schema_leads_from_a_new_entry_to_its_own_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    joining = schema["paths"]["/api/calendly/waitlist"]["post"]
    links = joining["responses"]["201"]["links"]
    assert {name: link["operationId"] for name, link in links.items()} == {
        "ViewEntry": "calendly_waitlist_retrieve",
        "AcceptOffer": "calendly_waitlist_accept_create",
        "DeclineOffer": "calendly_waitlist_decline_create",
        "LeaveWaitlist": "calendly_waitlist_destroy",
    }
    assert links["AcceptOffer"]["parameters"]["token"] == "$response.body#/manage_token"
    time_field = schema["components"]["schemas"]["EntryDetail"]["properties"]["earliest_time"]
    assert time_field["pattern"] == "^([01]?[0-9]|2[0-3]):[0-5][0-9]$"  # HH:MM, as the answers write it


def test_a_new_forwarded_address_per_request_does_not_escape_the_joining_limit(isolated_cache, api, join):
    """The finding: 25 joins in a row against a limit of 20 an hour, each with a new X-Forwarded-For and
    each mailing an address the client chose. With no proxy configured the peer is the client."""
    isolated_cache["waitlist"] = "20/hour"
    statuses = []
    for n in range(25):
        api.credentials(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        statuses.append(join("Mallory Example", email=f"victim{n}@example.com").status_code)
    assert statuses == [201] * 20 + [429] * 5
    assert Entry.objects.count() == 20
