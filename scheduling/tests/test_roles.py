"""A practitioner's account reaches their own practitioner's bookings only, wherever it acts: the admin's
actions and booking form, the day schedule's buttons, their calendar feed link, and the staff API, where
another's booking opens only with its manage token, as its patient would open it. The role matrix
(clinic_project/tests/role_matrix.py) holds what each role sees of every page; these are the actions."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from scheduling import bookings, clinic_time
from scheduling.models import Booking, PatientDataRead, Practitioner
from scheduling.tests.staff import member_of, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(make_practitioner, consultation) -> Practitioner:
    return make_practitioner("dr-own", types=[consultation], name="Dr Ownwood")


@pytest.fixture
def doctor(own):
    return member_of("practitioner", "dr-ownwood", own)


def book(consultation, day, practitioner, name) -> tuple[Booking, str]:
    return bookings.book(
        bookings.RequestedSlot(consultation, day, time(10), practitioner),
        patient=bookings.PatientDetails(name=name, email=f"{name.split()[0].lower()}@example.com"),
    )


@pytest.fixture
def theirs(consultation, tomorrow, own) -> Booking:
    return book(consultation, tomorrow, own, "Olive Ownby")[0]


@pytest.fixture
def others(consultation, tomorrow, clinic) -> tuple[Booking, str]:
    return book(consultation, tomorrow, clinic, "Oscar Elsewhere")


def test_the_admins_actions_change_only_the_practitioners_own_bookings(
    client, sign_in_past_mfa, doctor, theirs, others
):
    sign_in_past_mfa(client, doctor)
    selected = [theirs.pk, others[0].pk]
    client.post(
        reverse("admin:scheduling_booking_changelist"), {"action": "cancel_selected", "_selected_action": selected}
    )
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.CANCELLED
    assert Booking.objects.get(pk=others[0].pk).status == Booking.Status.CONFIRMED


def test_a_practitioner_moves_a_booking_within_their_own_calendar_only(
    client, sign_in_past_mfa, doctor, own, clinic, theirs, tomorrow
):
    sign_in_past_mfa(client, doctor)
    url = reverse("admin:scheduling_booking_change", args=[theirs.pk])
    typed = {
        "date": tomorrow.isoformat(),
        "start_time": "11:00",
        "patient_name": theirs.patient_name,
        "patient_email": theirs.patient_email,
        "seen_revision": theirs.revision,
    }
    refused = client.post(url, {**typed, "practitioner": clinic.pk})
    assert refused.status_code == 200  # the form again, with the error on the practitioner
    assert refused.context["adminform"].form.errors.keys() == {"practitioner"}
    assert Booking.objects.get(pk=theirs.pk).practitioner == own
    client.post(url, {**typed, "practitioner": own.pk})
    assert clinic_time.wall_clock(Booking.objects.get(pk=theirs.pk).starts_at) == "11:00"


def test_staff_who_book_for_their_own_practitioner_only_must_name_them(
    client, sign_in_past_mfa, own, clinic, consultation, tomorrow
):
    desk = staff_member("own-desk", "scheduling.add_booking", "scheduling.view_booking")
    own.user = desk
    own.save()
    sign_in_past_mfa(client, desk)
    url = reverse("admin:scheduling_booking_add")
    assert "Leave empty to give it to any free practitioner." not in client.get(url).content.decode()
    typed = {
        "appointment_type": consultation.pk,
        "date": tomorrow.isoformat(),
        "start_time": "11:00",
        "patient_name": "Nora New",
    }
    for refused in ({"practitioner": clinic.pk}, {}):
        page = client.post(url, {**typed, **refused})
        assert page.context["adminform"].form.errors.keys() == {"practitioner"}
    assert not Booking.objects.filter(patient_name="Nora New").exists()
    client.post(url, {**typed, "practitioner": own.pk})
    assert Booking.objects.get(patient_name="Nora New").practitioner == own


def test_the_day_schedule_buttons_change_only_the_practitioners_own_bookings(
    client, sign_in_past_mfa, doctor, others, tomorrow
):
    sign_in_past_mfa(client, doctor)
    url = f"{reverse('admin:scheduling_booking_day')}?date={tomorrow.isoformat()}"
    answer = client.post(url, {"reference": others[0].reference, "action": "cancel"}, follow=True)
    assert "That booking or action does not exist." in answer.content.decode()
    assert Booking.objects.get(pk=others[0].pk).status == Booking.Status.CONFIRMED


def test_a_practitioner_issues_their_own_calendar_feed_link_only(client, sign_in_past_mfa, doctor, own, clinic):
    sign_in_past_mfa(client, doctor)
    answer = client.post(
        reverse("admin:scheduling_practitioner_changelist"),
        {"action": "issue_calendar_feed_links", "_selected_action": [own.pk, clinic.pk]},
        follow=True,
    )
    page = answer.content.decode()
    assert "/calendars/dr-own.ics?token=" in page and "/calendars/clinic.ics" not in page
    assert "Only your own calendar feed" in page
    assert Practitioner.objects.get(pk=own.pk).feed_token_issued_at is not None
    assert Practitioner.objects.get(pk=clinic.pk).feed_token_issued_at is None


def test_a_receptionist_issues_no_calendar_feed_links(client, sign_in_past_mfa, clinic):
    sign_in_past_mfa(client, member_of("receptionist", "reception"))
    page = client.get(reverse("admin:scheduling_practitioner_changelist")).content.decode()
    assert "issue_calendar_feed_links" not in page
    client.post(
        reverse("admin:scheduling_practitioner_changelist"),
        {"action": "issue_calendar_feed_links", "_selected_action": [clinic.pk]},
    )
    assert Practitioner.objects.get(pk=clinic.pk).feed_token_issued_at is None


def test_another_practitioners_booking_opens_only_with_its_token_and_as_its_patient(api, doctor, others):
    booked, token = others
    api.force_authenticate(doctor)
    assert api.get(f"/api/calendly/bookings/{booked.reference}").status_code == 404
    assert api.get(f"/api/calendly/bookings/{booked.reference}/events").status_code == 404
    opened = api.get(f"/api/calendly/bookings/{booked.reference}", {"token": token})
    assert (opened.status_code, opened.json()["patient_name"]) == (200, "Oscar Elsewhere")
    assert not PatientDataRead.objects.exists()  # a patient's own look is not a staff read
    assert api.post(f"/api/calendly/bookings/{booked.reference}/check-in?token={token}").status_code == 404
    cancelled = api.post(f"/api/calendly/bookings/{booked.reference}/cancel?token={token}", {}, format="json")
    assert cancelled.status_code == 200
    assert booked.events.get(kind="cancelled").actor == "patient"


def test_the_practitioners_own_booking_is_theirs_to_change_as_staff(api, doctor, theirs):
    api.force_authenticate(doctor)
    cancelled = api.post(f"/api/calendly/bookings/{theirs.reference}/cancel", {}, format="json")
    assert cancelled.status_code == 200
    assert (theirs.events.get(kind="cancelled").actor, theirs.events.get(kind="cancelled").actor_name) == (
        "staff",
        "dr-ownwood",
    )
    assert PatientDataRead.objects.get().booking_id == theirs.pk


def test_an_account_linked_to_no_practitioner_reaches_no_booking(api, theirs):
    api.force_authenticate(member_of("practitioner", "locum"))
    listed = api.get("/api/calendly/bookings")
    assert (listed.status_code, listed.json()["results"]) == (200, [])
    assert api.get(f"/api/calendly/bookings/{theirs.reference}").status_code == 404
