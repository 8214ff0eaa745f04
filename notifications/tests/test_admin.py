"""Staff see each booking's messages (sent, pending, failed with the error) and send one again; they edit
the clinic's details and each type's reminders."""

from datetime import timedelta

import pytest
from django.urls import reverse

from notifications.models import Message
from scheduling.models import AppointmentType, Booking, Clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(book, today):
    response = book(today + timedelta(days=3), "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com")
    return Booking.objects.get(reference=response.json()["booking_id"])


def test_the_booking_page_lists_its_messages_with_their_errors(admin_client, booked, mail_server_port, run_worker):
    run_worker()  # nothing listens: the confirmation fails once
    page = admin_client.get(reverse("admin:scheduling_booking_change", args=[booked.pk])).content.decode()
    assert "Messages to the patient" in page
    assert "Confirmation" in page and "Reminder, 24h before" in page
    assert "ConnectionRefusedError" in page
    assert page.count("Details and resend") == 2


def test_staff_resend_a_failed_message(admin_client, booked, settings, mail_server_port, run_worker, inbox):
    confirmation = Message.objects.get(kind="confirmation")
    Message.objects.filter(pk=confirmation.pk).update(status="failed", attempts=12, last_error="SMTPDataError: 554")
    url = reverse("admin:notifications_message_change", args=[confirmation.pk])
    page = admin_client.get(url).content.decode()
    assert "SMTPDataError: 554" in page and "Send this message again now" in page
    response = admin_client.post(url, {"_resend": "1"}, follow=True)
    assert "will go out again now" in response.content.decode()
    run_worker()
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("sent", 1)
    assert len(inbox.messages) == 1


def test_the_message_list_filters_by_status(admin_client, booked):
    page = admin_client.get(reverse("admin:notifications_message_changelist"), {"status": "pending"})
    assert page.status_code == 200
    assert "ada@example.com" in page.content.decode()


def test_the_clinic_details_are_one_record(admin_client):
    response = admin_client.get(reverse("admin:scheduling_clinic_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:scheduling_clinic_change", args=[1])
    response = admin_client.post(
        response.url,
        {
            "name": "Riverside Practice",
            "address": "1 River Road",
            "phone": "+44 20 7946 0000",
            "website": "https://riverside.example",
            "sender_email": "desk@riverside.example",
            "time_zone_label": "London time",
            "accent_colour": "#0b5cad",
            "opening_hours-TOTAL_FORMS": "0",
            "opening_hours-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Clinic.load().name == "Riverside Practice"
    assert Clinic.objects.count() == 1
    assert admin_client.get(reverse("admin:scheduling_clinic_add")).status_code == 403


def test_staff_set_reminders_as_they_say_them(admin_client):
    consultation = AppointmentType.objects.get(slug="consultation")
    url = reverse("admin:scheduling_appointmenttype_change", args=[consultation.pk])
    assert 'value="24h"' in admin_client.get(url).content.decode()
    fields = {
        "name": consultation.name,
        "slug": consultation.slug,
        "duration_minutes": 30,
        "is_active": "on",
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_minutes": 0,
        "horizon_days": 90,
        "patient_change_cutoff_minutes": 0,
        "capacity": 1,
        "requirements-TOTAL_FORMS": 0,  # the type's rooms and equipment needed: none
        "requirements-INITIAL_FORMS": 0,
        "intake_questions-TOTAL_FORMS": 0,
        "intake_questions-INITIAL_FORMS": 0,
    }
    assert admin_client.post(url, {**fields, "reminder_minutes": "2d, 2h 30m"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.reminder_minutes == [2880, 150]
    refused = admin_client.post(url, {**fields, "reminder_minutes": "tomorrow"})
    assert "is not a time before the start" in refused.content.decode()
    assert admin_client.post(url, {**fields, "reminder_minutes": ""}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.reminder_minutes == []
