"""Signed webhooks to a real HTTP receiver on 127.0.0.1, each verified by the Standard Webhooks
specification's own package, never by our code."""

import base64
import socket
from datetime import time, timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails
from scheduling.models import AppointmentType
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db
ALL_EVENTS = [
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.checked_in",
    "booking.completed",
    "booking.no_show",
]
DESK = Actor.integration("desk")


def register(staff_api, url, events=ALL_EVENTS):
    response = staff_api.post("/api/calendly/webhooks", {"url": url, "events": events}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def book(today, days=3, start=time(10), name="Ada Lovelace"):
    booking, _ = bookings.book(
        bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), today + timedelta(days=days), start),
        patient=PatientDetails(name=name, email="ada@example.com", reason_for_visit="Migraine"),
    )
    return booking


def run_until_quiet(run_worker, rounds=200):
    """Run the worker at each moment a delivery falls due, as a deployment's worker would."""
    moment = timezone.now()
    for _ in range(rounds):
        waiting = Delivery.objects.filter(status="pending").order_by("next_attempt_at").first()
        if waiting is None:
            return
        moment = max(moment + timedelta(seconds=1), waiting.next_attempt_at)
        with time_machine.travel(moment, tick=False):
            run_worker()
    raise AssertionError("deliveries still pending")


def test_a_delivery_verifies_with_the_reference_package(staff_api, receiver, run_worker, today):
    endpoint = register(staff_api, receiver.url)
    booking = book(today)
    run_worker()
    [(headers, body)] = receiver.requests
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["type"] == "booking.created"
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["data"] == {
        "booking_id": booking.reference,
        "series_id": None,  # a single booking, not a visit of a course
        "revision": 1,
        "status": "confirmed",
        "practitioner": "clinic",
        "appointment_type": "consultation",
        "starts_at": booking.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": booking.ends_at.isoformat().replace("+00:00", "Z"),
        "resources": {},
        "session": None,
    }
    assert headers["webhook-id"].startswith("msg_")
    assert headers["content-type"] == "application/json"
    assert b"Ada" not in body and b"Migraine" not in body and b"ada@example.com" not in body
    with pytest.raises(WebhookVerificationError):
        Webhook(base64.b64encode(b"x" * 32).decode()).verify(body, headers)


def test_the_secret_is_whsec_and_32_random_bytes_shown_once(staff_api, receiver):
    endpoint = register(staff_api, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    assert len(base64.b64decode(endpoint["secret"].removeprefix("whsec_"))) == 32
    listed = staff_api.get("/api/calendly/webhooks").json()
    assert [e["url"] for e in listed] == [receiver.url]
    assert "secret" not in listed[0]
    assert "secret" not in staff_api.get(f"/api/calendly/webhooks/{endpoint['id']}").json()
    assert staff_api.delete(f"/api/calendly/webhooks/{endpoint['id']}").status_code == 204
    assert staff_api.get("/api/calendly/webhooks").json() == []


def test_only_staff_manage_endpoints(api, receiver):
    assert api.get("/api/calendly/webhooks").status_code == 401
    response = api.post("/api/calendly/webhooks", {"url": receiver.url, "events": ALL_EVENTS}, format="json")
    assert response.status_code == 401
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook", "events": ["booking.created"]}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data", "events": ["booking.created"]}, "url"),
        ({"url": "http://127.0.0.1:9/hook", "events": ["booking.created"]}, "url"),
        ({"url": "https://example.com/hook", "events": []}, "events"),
        ({"url": "https://example.com/hook", "events": ["booking.deleted"]}, "events"),
        ({"url": "https://example.com/hook", "events": ["booking.created", "booking.created"]}, "events"),
        ({"events": ["booking.created"]}, "url"),
    ],
)
def test_bad_registrations_name_the_field(staff_api, body, field):
    response = staff_api.post("/api/calendly/webhooks", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Endpoint.objects.exists()


def test_only_the_events_asked_for_are_sent(staff_api, receiver, run_worker, today):
    register(staff_api, receiver.url, events=["booking.cancelled"])
    booking = book(today)
    bookings.cancel(booking, by=DESK)
    run_worker()
    assert [p["type"] for p in receiver.payloads()] == ["booking.cancelled"]


def test_a_receiver_down_for_a_while_gets_every_event_in_revision_order(
    staff_api, receiver, run_worker, today, settings
):
    endpoint = register(staff_api, receiver.url)
    receiver.stop()  # down
    first = book(today)
    second = book(today, start=time(14), name="Grace Hopper")
    bookings.reschedule(
        first, bookings.RequestedSlot(first.appointment_type, today + timedelta(days=4), time(11)), by=DESK
    )
    bookings.cancel(first, by=DESK)
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        run_worker()
    assert Delivery.objects.filter(status="sent").count() == 0
    assert Delivery.objects.filter(status="pending").count() == 4

    receiver.start()  # back on the same port
    run_until_quiet(run_worker)
    events = [(p["data"]["booking_id"], p["data"]["revision"], p["type"]) for p in receiver.payloads()]
    firsts = [e for e in events if e[0] == first.reference]
    assert firsts == [
        (first.reference, 1, "booking.created"),
        (first.reference, 2, "booking.rescheduled"),
        (first.reference, 3, "booking.cancelled"),
    ]
    assert [e for e in events if e[0] == second.reference] == [(second.reference, 1, "booking.created")]
    for headers, body in receiver.requests:
        with time_machine.travel(int(headers["webhook-timestamp"]), tick=False):
            Webhook(endpoint["secret"]).verify(body, headers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_server_errors_are_retried_with_the_same_webhook_id(staff_api, receiver, run_worker, today):
    register(staff_api, receiver.url)
    receiver.answers = [(500, {}), (503, {}), (200, {})]
    book(today)
    run_until_quiet(run_worker)
    ids = [headers["webhook-id"] for headers, _ in receiver.requests]
    assert len(ids) == 3 and len(set(ids)) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    waits = [
        b.attempted_at - a.attempted_at
        for a, b in zip(delivery.attempt_log.all(), delivery.attempt_log.all()[1:], strict=False)
    ]
    assert timedelta(seconds=4) <= waits[0] <= timedelta(seconds=6)  # the schedule's 5 s, with jitter
    assert timedelta(minutes=4) <= waits[1] <= timedelta(minutes=6)  # then 5 min


def first_attempt_answered(staff_api, receiver, run_worker, today, status, headers=None) -> Delivery:
    """A booking's event sent once to an endpoint answering `status`; the delivery as it then stands."""
    register(staff_api, receiver.url)
    receiver.answers = [(status, headers or {})]
    book(today)
    run_worker()
    return Delivery.objects.get()


def test_a_redirect_is_not_followed(staff_api, receiver, run_worker, today):
    delivery = first_attempt_answered(staff_api, receiver, run_worker, today, 302, {"Location": "http://1.1.1.1/"})
    assert (delivery.status, len(receiver.requests)) == ("pending", 1)
    assert "answered 302" in delivery.last_error


def test_retry_after_is_honoured(staff_api, receiver, run_worker, today):
    delivery = first_attempt_answered(staff_api, receiver, run_worker, today, 429, {"Retry-After": "3600"})
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=3590)


def test_a_retry_after_of_other_digits_is_not_a_crash(staff_api, receiver, run_worker, today):
    """ "²".isdigit() is true, and int("²") raises: the header is then no date either, and the usual backoff
    applies."""
    delivery = first_attempt_answered(staff_api, receiver, run_worker, today, 429, {"Retry-After": "²"})
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_410_disables_the_endpoint(staff_api, receiver, run_worker, today):
    first_attempt_answered(staff_api, receiver, run_worker, today, 410)
    disabled = Endpoint.objects.get()
    assert not disabled.is_active
    assert "410" in disabled.disabled_reason
    book(today, start=time(15))
    run_until_quiet(run_worker)
    assert len(receiver.requests) == 1  # nothing more went out
    listed = staff_api.get("/api/calendly/webhooks").json()[0]
    assert listed["is_active"] is False and "410" in listed["disabled_reason"]


def test_an_endpoint_failing_for_five_days_is_disabled(staff_api, receiver, run_worker, today):
    endpoint = register(staff_api, receiver.url)
    Endpoint.objects.filter(pk=endpoint["id"]).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
    receiver.answers = [(500, {})]
    book(today)
    run_worker()
    disabled = Endpoint.objects.get(pk=endpoint["id"])
    assert not disabled.is_active
    assert "five days" in disabled.disabled_reason


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(staff_api, receiver, run_worker, today):
    old = register(staff_api, receiver.url)
    rotated = staff_api.post(f"/api/calendly/webhooks/{old['id']}/rotate").json()
    assert rotated["secret"] != old["secret"] and rotated["previous_secret_expires_at"]
    book(today)
    run_worker()
    headers, body = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old["secret"]).verify(body, headers)
    Webhook(rotated["secret"]).verify(body, headers)

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        book(today, start=time(15))
        run_worker()
        headers, body = receiver.requests[-1]
        Webhook(rotated["secret"]).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old["secret"]).verify(body, headers)


def fake_dns(monkeypatch, answers: dict[str, str]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("address", "allowed_private", "refusal"),
    [
        ("169.254.169.254", True, "link-local or cloud metadata"),
        ("100.100.100.200", True, "link-local or cloud metadata"),
        ("10.0.0.5", False, "private or loopback"),
        ("127.0.0.1", False, "private or loopback"),
    ],
)
def test_addresses_are_checked_after_dns_at_send_time(
    settings, staff_api, run_worker, today, monkeypatch, address, allowed_private, refusal
):
    fake_dns(monkeypatch, {"hooks.integrator.example": "93.184.216.34"})
    endpoint = register(staff_api, "https://hooks.integrator.example/clinic")  # public when registered
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = allowed_private
    fake_dns(monkeypatch, {"hooks.integrator.example": address})  # ...and elsewhere when sending
    book(today)
    run_worker()
    [attempt] = Delivery.objects.get().attempt_log.all()
    assert attempt.status_code is None
    assert refusal in attempt.error
    assert endpoint["url"].startswith("https://hooks.integrator.example")
