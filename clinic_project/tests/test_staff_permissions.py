"""A staff login without permissions sees nothing, and each permission opens what it names. The walk over
every admin page and staff API URL, for every role, is the role matrix (role_matrix.py)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from scheduling import bookings
from scheduling.models import Booking
from scheduling.tests.staff import staff_member
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

PATIENT = "Ada Lovelace"


@pytest.fixture
def booked_ada(consultation, tomorrow) -> Booking:
    booked, _ = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)),
        patient=bookings.PatientDetails(name=PATIENT, email="ada@example.com", reason_for_visit="Chest pain"),
    )
    return booked


def test_the_admin_home_says_so_and_offers_no_day_schedule(client, sign_in_past_mfa):
    sign_in_past_mfa(client, staff_member("new-desk"))
    page = client.get("/admin/").content.decode()
    assert "permission to view or edit anything" in page
    assert "Day schedule" not in page


def test_the_day_schedule_needs_the_permission_to_view_bookings(client, booked_ada, tomorrow, sign_in_past_mfa):
    url = f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}"
    sign_in_past_mfa(client, staff_member("new-desk"))
    refused = client.get(url)
    assert refused.status_code == 403
    assert PATIENT not in refused.content.decode()

    sign_in_past_mfa(client, staff_member("reception", "scheduling.view_booking", "scheduling.view_every_practitioner"))
    shown = client.get(url)
    assert shown.status_code == 200
    assert PATIENT in shown.content.decode()


def test_the_day_schedule_buttons_need_the_permission_to_change_bookings(
    client, booked_ada, tomorrow, sign_in_past_mfa
):
    sign_in_past_mfa(client, staff_member("reception", "scheduling.view_booking", "scheduling.view_every_practitioner"))
    url = f"/admin/scheduling/booking/day/?date={tomorrow.isoformat()}"
    answer = client.post(url, {"reference": booked_ada.reference, "action": "cancel"}, follow=True)
    assert "You may not change bookings." in answer.content.decode()
    assert Booking.objects.get(pk=booked_ada.pk).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize(
    ("permissions", "status"),
    [
        ((), 403),
        (("scheduling.view_booking", "scheduling.view_every_practitioner"), 200),
        (("scheduling.change_booking", "scheduling.view_every_practitioner"), 200),
    ],
)
def test_the_staff_list_needs_a_permission_to_view_bookings(api, booked_ada, permissions, status):
    api.force_authenticate(staff_member("desk", *permissions))
    response = api.get("/api/calendly/bookings")
    assert response.status_code == status
    assert (PATIENT in response.content.decode()) == (status == 200)


def test_staff_without_the_permission_open_a_booking_only_with_its_token_and_as_the_patient(api, consultation, today):
    booked, token = bookings.book(
        bookings.RequestedSlot(consultation, today + timedelta(days=2), time(9)),
        patient=bookings.PatientDetails(name=PATIENT),
    )
    api.force_authenticate(staff_member("new-desk"))
    assert api.get(f"/api/calendly/bookings/{booked.reference}").status_code == 404
    assert api.post(f"/api/calendly/bookings/{booked.reference}/check-in").status_code == 403
    assert api.get(f"/api/calendly/bookings/{booked.reference}", {"token": token}).status_code == 200
    cancelled = api.post(f"/api/calendly/bookings/{booked.reference}/cancel?token={token}", {}, format="json")
    assert cancelled.status_code == 200
    assert booked.events.get(kind="cancelled").actor == "patient"


def test_webhook_endpoints_need_the_webhook_permissions(api, db):
    Endpoint.objects.create(url="https://example.com/hook", events=["booking.created"])
    api.force_authenticate(staff_member("new-desk", "scheduling.view_booking", "scheduling.view_every_practitioner"))
    assert api.get("/api/calendly/webhooks").status_code == 403
    api.force_authenticate(staff_member("integrations", "webhooks.view_endpoint"))
    assert api.get("/api/calendly/webhooks").status_code == 200
    created = api.post("/api/calendly/webhooks", {"url": "https://example.com/x", "events": ["booking.created"]})
    assert created.status_code == 403
