"""Staff revoke one booking's manage link from the admin: a button on the booking's page and a list action,
for whoever may change bookings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from scheduling.models import Booking, BookingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(book, tomorrow) -> dict:
    return book(tomorrow, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com").json()


@pytest.fixture
def booking(booked) -> Booking:
    return Booking.objects.get(reference=booked["booking_id"])


def revoke_url(booking: Booking) -> str:
    return reverse("admin:scheduling_booking_revoke_link", args=[booking.pk])


def opens(client, booked: dict, token: str) -> bool:
    return client.get(f"/api/calendly/bookings/{booked['booking_id']}", {"token": token}).status_code == 200


def test_the_booking_page_in_the_admin_has_a_revoke_button(admin_client, booking):
    page = admin_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    assert f'action="{revoke_url(booking)}"' in page
    assert "Revoke manage link" in page


def test_the_button_revokes_the_link_and_says_a_new_one_is_sent(admin_client, api, booked, booking):
    response = admin_client.post(revoke_url(booking), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:scheduling_booking_change", args=[booking.pk])
    page = response.content.decode()
    assert "The old manage link no longer opens this booking." in page
    assert "A new link is on its way to the patient by e-mail." in page
    assert not opens(api, booked, booked["manage_token"])
    assert opens(api, booked, Booking.objects.get(pk=booking.pk).manage_token)
    event = BookingEvent.objects.filter(booking=booking).latest("revision")
    assert (event.kind, event.actor_name, event.channel) == ("manage_link_revoked", "admin", "admin")


def test_without_an_email_address_staff_are_shown_the_new_link_once(admin_client, book, tomorrow):
    reference = book(tomorrow, "11:00", patient_name="No Mail").json()["booking_id"]
    booking = Booking.objects.get(reference=reference)
    page = admin_client.post(revoke_url(booking), follow=True).content.decode()
    booking.refresh_from_db()
    assert "has no e-mail address" in page
    assert f"/manage/{reference}/?token={booking.manage_token}" in page


def test_revoking_needs_a_post(admin_client, api, booked, booking):
    assert admin_client.get(revoke_url(booking)).status_code == 405
    assert opens(api, booked, booked["manage_token"])


def test_staff_who_may_only_view_bookings_cannot_revoke(client, api, booked, booking, sign_in_past_mfa):
    viewer = User.objects.create_user("viewer", password="a-long-viewer-password", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_booking", "view_every_practitioner"]))
    sign_in_past_mfa(client, viewer)
    assert client.post(revoke_url(booking)).status_code == 403
    page = client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    assert "Revoke manage link" not in page
    assert opens(api, booked, booked["manage_token"])


def test_the_list_action_revokes_each_selected_booking(admin_client, api, book, booked, tomorrow):
    other = book(tomorrow, "12:00", patient_name="Ben", patient_email="ben@example.com").json()
    selected = Booking.objects.filter(reference__in=[booked["booking_id"], other["booking_id"]])
    response = admin_client.post(
        reverse("admin:scheduling_booking_changelist"),
        {"action": "revoke_manage_link_selected", "_selected_action": [b.pk for b in selected]},
        follow=True,
    )
    assert "Revoked the link of 2 booking(s)." in response.content.decode()
    assert not opens(api, booked, booked["manage_token"])
    assert not opens(api, other, other["manage_token"])
