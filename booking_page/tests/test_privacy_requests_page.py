"""A patient asks, from their booking's page, for a copy of their data or for its deletion: the clinic gets a
request to handle, the patient a confirmation that it will contact them; nothing is sent or deleted."""

from __future__ import annotations

import pytest

from booking_page.tests.html import forms, text
from scheduling.models import Booking, Patient, PrivacyRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def manage_page(client, book, tomorrow):
    """The booking's page, opened with its link (the token swapped for the cookie)."""
    made = book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()
    opened = client.get(f"/manage/{made['booking_id']}/?token={made['manage_token']}")
    assert opened.status_code == 303
    return opened.url


def privacy_form(page) -> dict:
    [form] = [form for form in forms(page) if form.get("intent") == "privacy"]
    return form


def ask(client, page, kind: str, **headers):
    form = privacy_form(page)
    return client.post(form.pop("action"), {**form, "kind": kind}, **headers)


def test_the_page_offers_both_requests(client, manage_page):
    page = client.get(manage_page)
    shown = text(page)
    assert "Request a copy of my data" in shown and "Delete my data" in shown
    assert privacy_form(page)["token"]  # the form carries the token in its body, as every change does


@pytest.mark.parametrize(
    ("kind", "confirmation"),
    [
        ("copy", "Your request for a copy of your data is with the clinic. The clinic will contact you"),
        ("erasure", "Your request to delete your data is with the clinic. The clinic will contact you"),
    ],
)
def test_asking_records_a_request_for_staff_and_confirms_it(client, manage_page, kind, confirmation):
    asked = ask(client, client.get(manage_page), kind)
    assert asked.status_code == 303
    assert confirmation in text(client.get(asked.url))
    request = PrivacyRequest.objects.get()
    booking = Booking.objects.get()
    assert (request.kind, request.status, request.patient, request.booking) == (
        kind,
        PrivacyRequest.Status.OPEN,
        booking.patient,
        booking,
    )
    # Nothing is erased or exported by asking.
    assert Patient.objects.get().erased_at is None
    assert Booking.objects.get().patient_name == "Ada Lovelace"


def test_asking_again_says_it_is_already_with_the_clinic(client, manage_page):
    page = client.get(manage_page)
    ask(client, page, "erasure")
    again = ask(client, page, "erasure")
    said = "You have already asked for your data to be deleted, and your request is still with the clinic."
    assert said in text(client.get(again.url))
    assert PrivacyRequest.objects.count() == 1
    ask(client, page, "copy")  # the other kind is a request of its own
    assert PrivacyRequest.objects.count() == 2
    copy_again = ask(client, page, "copy")
    said = "You have already asked for a copy of your data, and your request is still with the clinic."
    assert said in text(client.get(copy_again.url))


def test_a_request_needs_the_token_in_the_form_not_the_cookie(client, manage_page):
    form = privacy_form(client.get(manage_page))
    refused = client.post(form.pop("action"), {"intent": "privacy", "kind": "copy"})  # the cookie alone
    assert refused.status_code == 404
    assert not PrivacyRequest.objects.exists()


def test_a_request_sent_from_another_website_is_refused(client, manage_page):
    refused = ask(client, client.get(manage_page), "erasure", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert not PrivacyRequest.objects.exists()


def test_an_unknown_kind_records_nothing(client, manage_page):
    answered = ask(client, client.get(manage_page), "everything")
    assert answered.status_code == 303
    assert not PrivacyRequest.objects.exists()
