"""Every read of a patient's booking by staff is one row of an append-only log (actor, booking, action,
channel, time, address), which auditors browse in the admin behind a permission of its own."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling import bookings
from scheduling.models import Booking, PatientDataRead
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

AUDITOR = "scheduling.view_patientdataread"


def book(appointment_type, day, hour, name="Ada Lovelace", email="ada@example.com") -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(appointment_type, day, time(hour)),
        patient=bookings.PatientDetails(name=name, email=email),
    )
    return booking


@pytest.fixture
def reception(client, sign_in_past_mfa):
    desk = staff_member("reception", "scheduling.view_booking", "scheduling.view_every_practitioner")
    sign_in_past_mfa(client, desk)
    return desk


@pytest.fixture
def ada(consultation, tomorrow) -> Booking:
    return book(consultation, tomorrow, 10)


def reads() -> list[tuple]:
    return list(
        PatientDataRead.objects.order_by("pk").values_list(
            "actor__username", "actor_name", "booking__reference", "action", "channel"
        )
    )


def test_the_admin_change_page_records_who_viewed_the_booking(client, reception, ada):
    response = client.get(reverse("admin:scheduling_booking_change", args=[ada.pk]), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert reads() == [("reception", "reception", ada.reference, "viewed", "admin")]
    read = PatientDataRead.objects.get()
    assert read.client_address == "203.0.113.9"
    assert read.at is not None


def test_the_admin_list_records_each_booking_on_the_page(client, reception, ada, consultation, tomorrow):
    grace = book(consultation, tomorrow, 11, name="Grace Hopper")
    assert client.get(reverse("admin:scheduling_booking_changelist")).status_code == 200
    assert sorted(reads()) == sorted(("reception", "reception", b.reference, "listed", "admin") for b in (ada, grace))


def test_the_day_schedule_records_each_booking_it_shows(client, reception, ada, tomorrow):
    client.get(reverse("admin:scheduling_booking_day"), {"date": tomorrow.isoformat()})
    assert reads() == [("reception", "reception", ada.reference, "listed", "admin")]


def test_the_staff_api_records_its_list_page_detail_and_history(api, ada, consultation, tomorrow):
    later = book(consultation, tomorrow, 12, name="Grace Hopper")
    api.force_authenticate(staff_member("desk", "scheduling.view_booking", "scheduling.view_every_practitioner"))
    assert api.get("/api/calendly/bookings", {"page_size": 1}).status_code == 200
    assert api.get(f"/api/calendly/bookings/{later.reference}").status_code == 200
    assert api.get(f"/api/calendly/bookings/{later.reference}/events").status_code == 200
    assert reads() == [
        ("desk", "desk", ada.reference, "listed", "api"),  # the page shown, not every match
        ("desk", "desk", later.reference, "viewed", "api"),
        ("desk", "desk", later.reference, "history", "api"),
    ]


def test_a_patient_reading_their_own_booking_is_not_a_staff_read(api, consultation, tomorrow):
    booking, token = bookings.book(
        bookings.RequestedSlot(consultation, tomorrow, time(10)), patient=bookings.PatientDetails(name="Ada Lovelace")
    )
    assert api.get(f"/api/calendly/bookings/{booking.reference}", {"token": token}).status_code == 200
    assert reads() == []


def test_a_refused_read_records_nothing(client, ada, sign_in_past_mfa):
    sign_in_past_mfa(client, staff_member("new-desk"))
    assert client.get(reverse("admin:scheduling_booking_change", args=[ada.pk])).status_code == 403
    assert reads() == []


def test_the_message_list_records_the_bookings_whose_patients_it_names(client, ada, sign_in_past_mfa):
    sign_in_past_mfa(
        client, staff_member("mail-desk", "notifications.view_message", "scheduling.view_every_practitioner")
    )
    page = client.get(reverse("admin:notifications_message_changelist"))
    assert "ada@example.com" in page.content.decode()
    assert reads() == [("mail-desk", "mail-desk", ada.reference, "listed", "admin")]


def test_listing_costs_one_insert_whatever_the_page_holds(api, consultation, tomorrow):
    api.force_authenticate(staff_member("desk", "scheduling.view_booking", "scheduling.view_every_practitioner"))
    book(consultation, tomorrow, 9)
    api.get("/api/calendly/bookings")  # the login's permissions, read once and cached on it
    with CaptureQueriesContext(connection) as one_booking:
        api.get("/api/calendly/bookings")
    for hour in range(10, 17):
        book(consultation, tomorrow, hour, name=f"Patient {hour}")
    with CaptureQueriesContext(connection) as eight_bookings:
        api.get("/api/calendly/bookings")
    assert len(eight_bookings) == len(one_booking)
    inserts = [q["sql"] for q in eight_bookings if q["sql"].startswith('INSERT INTO "scheduling_patientdataread"')]
    assert len(inserts) == 1
    assert PatientDataRead.objects.count() == 2 + 8


def test_the_database_refuses_to_change_or_delete_a_read(client, reception, ada):
    client.get(reverse("admin:scheduling_booking_change", args=[ada.pk]))
    read = PatientDataRead.objects.get()
    table = connection.ops.quote_name(PatientDataRead._meta.db_table)
    # Straight to SQL, past anything the ORM or the admin would refuse first.
    refused = pytest.raises(IntegrityError, match="patient_data_read_append_only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = %s WHERE id = %s", ["someone else", read.pk])
    refused = pytest.raises(IntegrityError, match="patient_data_read_append_only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [read.pk])
    assert reads() == [("reception", "reception", ada.reference, "viewed", "admin")]


def test_the_log_needs_its_own_permission_not_the_bookings(client, reception, ada, sign_in_past_mfa):
    log = reverse("admin:scheduling_patientdataread_changelist")
    assert client.get(log).status_code == 403
    sign_in_past_mfa(client, staff_member("auditor", AUDITOR))
    assert client.get(log).status_code == 200


def test_the_log_is_view_only_even_for_a_superuser(client, reception, ada, sign_in_past_mfa):
    client.get(reverse("admin:scheduling_booking_change", args=[ada.pk]))
    read = PatientDataRead.objects.get()
    sign_in_past_mfa(client, User.objects.create_superuser("boss"))
    assert client.get(reverse("admin:scheduling_patientdataread_add")).status_code == 403
    assert client.post(reverse("admin:scheduling_patientdataread_delete", args=[read.pk])).status_code == 403
    page = client.get(reverse("admin:scheduling_patientdataread_change", args=[read.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert PatientDataRead.objects.filter(actor_name="reception").count() == 1


@pytest.fixture
def logged(api, ada, consultation, tomorrow):
    """Reads by two staff members of two patients' bookings."""
    grace = book(consultation, tomorrow, 11, name="Grace Hopper", email="grace@example.com")
    for username, booking in (("ann", ada), ("ben", grace)):
        api.force_authenticate(staff_member(username, "scheduling.view_booking", "scheduling.view_every_practitioner"))
        api.get(f"/api/calendly/bookings/{booking.reference}")
    return {"ada": ada, "grace": grace}


def shown_rows(client, **query) -> list[str]:
    response = client.get(reverse("admin:scheduling_patientdataread_changelist"), query)
    assert response.status_code == 200
    return sorted(f"{r.actor_name} {r.booking.reference}" for r in response.context["cl"].result_list)


def test_auditors_filter_the_log_by_staff_member_booking_and_patient_email(client, logged, sign_in_past_mfa):
    sign_in_past_mfa(client, staff_member("auditor", AUDITOR))
    ada, grace = logged["ada"].reference, logged["grace"].reference
    assert shown_rows(client) == [f"ann {ada}", f"ben {grace}"]
    ann = User.objects.get(username="ann")
    assert shown_rows(client, actor__id__exact=ann.pk) == [f"ann {ada}"]
    assert shown_rows(client, q=grace) == [f"ben {grace}"]
    assert shown_rows(client, q="ada@example.com") == [f"ann {ada}"]
    assert shown_rows(client, channel__exact="feed") == []
    assert shown_rows(client, at__gte=timezone.now() - timedelta(hours=1)) == [f"ann {ada}", f"ben {grace}"]
    assert shown_rows(client, at__gte=timezone.now() + timedelta(hours=1)) == []
