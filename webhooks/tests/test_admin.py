"""Staff register endpoints in the admin (the secret shown once), see every attempt of a delivery and
replay one."""

from datetime import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from webhooks.models import Delivery, Endpoint
from webhooks.tests.test_webhooks import book

pytestmark = pytest.mark.django_db


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_staff_register_an_endpoint_and_see_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"),
        {"url": receiver.url, "events": ["booking.created", "booking.cancelled"], "is_active": "on"},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["booking.created", "booking.cancelled"]
    assert f"Signing secret for {receiver.url}: {endpoint.secret}" in notes(response)
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page


def test_the_admin_refuses_a_metadata_address(admin_client):
    response = admin_client.post(
        reverse("admin:webhooks_endpoint_add"),
        {"url": "http://169.254.169.254/", "events": ["booking.created"], "is_active": "on"},
    )
    assert "cloud metadata" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_a_delivery_shows_every_attempt_and_can_be_replayed(admin_client, staff_api, receiver, run_worker, today):
    from webhooks.tests.test_webhooks import register, run_until_quiet

    endpoint = register(staff_api, receiver.url)
    receiver.answers = [(500, {})]
    book(today, start=time(9))
    run_until_quiet(run_worker)
    delivery = Delivery.objects.get()
    url = reverse("admin:webhooks_delivery_change", args=[delivery.pk])
    page = admin_client.get(url).content.decode()
    assert "Attempts made" in page and "<td>500</td>" in page and "<td>200</td>" not in page
    assert "Replay this delivery now" in page

    response = admin_client.post(url, {"_replay": "1"}, follow=True)
    assert any("will be delivered again now" in n for n in notes(response))
    run_worker()
    assert len(receiver.requests) == 3
    first, replayed = receiver.requests[0][0], receiver.requests[-1][0]
    assert replayed["webhook-id"] == first["webhook-id"]  # a replay is the same message
    Webhook(endpoint["secret"]).verify(receiver.requests[-1][1], replayed)
    assert Delivery.objects.get().status == "sent"
