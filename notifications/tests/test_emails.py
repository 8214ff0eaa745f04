"""A patient hears about every change by e-mail, through a real SMTP server, with a calendar invite whose
UID, SEQUENCE and METHOD let any calendar add, move and remove the appointment."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from notifications.models import Message
from outbox.tests.mail import html_of, invite_of, text_of
from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails
from scheduling.models import Booking, Clinic

pytestmark = pytest.mark.django_db

REASON = "Recurring chest pain since March"


@pytest.fixture
def day(today):
    return today + timedelta(days=3)


@pytest.fixture
def booked(book, day):
    response = book(day, "10:00", patient_name="Ada Lovelace", patient_email="ada@example.com", reason_for_visit=REASON)
    assert response.status_code == 200
    return response.json()


def manage(api, booked, action, body):
    url = f"/api/calendly/bookings/{booked['booking_id']}/{action}?token={booked['manage_token']}"
    response = api.post(url, body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def event_of(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_the_booking_request_itself_sends_nothing(booked, inbox):
    assert inbox.messages == []
    assert Message.objects.get(kind="confirmation").status == "pending"


def test_a_booking_is_confirmed_with_an_invite(booked, inbox, run_worker):
    run_worker()
    [mail] = inbox.messages
    assert mail["To"] == "Ada Lovelace <ada@example.com>"
    assert mail["From"] == "Demo Clinic <bookings@clinic.example>"
    assert mail["Subject"].startswith("Booked: Consultation, ")
    method, calendar = invite_of(mail)
    assert method == "REQUEST"
    assert str(calendar["method"]) == "REQUEST"
    event = event_of(calendar)
    assert str(event["uid"]) == f"{booked['booking_id']}@clinic-scheduling"
    assert event["sequence"] == 1
    assert event["dtstart"].dt == datetime.fromisoformat(booked["starts_at"]).astimezone(UTC)
    assert event["dtend"].dt == datetime.fromisoformat(booked["ends_at"]).astimezone(UTC)
    starts = datetime.fromisoformat(booked["starts_at"]).astimezone(UTC)
    assert f"DTSTART:{starts:%Y%m%dT%H%M%S}Z" in calendar.to_ical().decode()  # an instant, not a wall time
    assert Message.objects.get(kind="confirmation").status == "sent"


def test_the_email_says_what_when_who_and_where_but_nothing_clinical(booked, inbox, run_worker, day):
    clinic = Clinic.load()
    clinic.address = "12 High Street\nSpringfield"
    clinic.save()
    run_worker()
    [mail] = inbox.messages
    text = text_of(mail)
    assert "What:  Consultation" in text
    assert f"When:  {day:%A} {day.day} {day:%B %Y}, 10:00 to 10:30 UTC" in text
    assert "Who:   Clinic" in text
    assert "Where: Demo Clinic, 12 High Street Springfield" in text
    assert "10:00 to 10:30" in html_of(mail)
    assert REASON not in mail.as_string()
    assert "chest" not in mail.as_string().lower()


def test_the_clinic_names_its_zone_as_patients_know_it(settings, booked, inbox, run_worker):
    Clinic.objects.update_or_create(pk=1, defaults={"time_zone_label": "clinic time"})
    run_worker()
    assert ", 10:00 to 10:30 clinic time (UTC)" in text_of(inbox.messages[0])


def test_the_manage_link_in_the_email_opens_the_booking(api, booked, inbox, run_worker, settings):
    run_worker()
    [link] = [line for line in text_of(inbox.messages[0]).splitlines() if "token=" in line]
    assert link.startswith(settings.SITE_URL)
    url = urlsplit(link)
    assert url.path == f"/manage/{booked['booking_id']}/"  # the patient's page, not the JSON API
    response = api.get(f"{url.path}?{url.query}", follow=True)  # the token is swapped for a cookie
    assert response.status_code == 200
    assert f"Reference {booked['booking_id']}" in " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_reschedule_sends_an_update_of_the_same_event(api, booked, inbox, run_worker, day):
    moved = manage(api, booked, "reschedule", {"date": (day + timedelta(days=1)).isoformat(), "start_time": "11:00"})
    run_worker()
    confirmation, update = sorted(inbox.messages, key=lambda m: invite_of(m)[1].walk("VEVENT")[0]["sequence"])
    first, second = event_of(invite_of(confirmation)[1]), event_of(invite_of(update)[1])
    assert update["Subject"].startswith("Moved: Consultation, now ")
    assert invite_of(update)[0] == "REQUEST"
    assert second["uid"] == first["uid"]
    assert second["sequence"] > first["sequence"]
    assert second["dtstart"].dt == datetime.fromisoformat(moved["starts_at"]).astimezone(UTC)


def test_a_cancel_sends_a_cancellation_of_the_same_event(api, booked, inbox, run_worker):
    run_worker()
    manage(api, booked, "cancel", {"reason": "Feeling better"})
    run_worker()
    confirmation, cancellation = inbox.messages
    method, calendar = invite_of(cancellation)
    assert method == "CANCEL"
    assert str(calendar["method"]) == "CANCEL"
    event = event_of(calendar)
    assert event["uid"] == event_of(invite_of(confirmation)[1])["uid"]
    assert event["sequence"] > event_of(invite_of(confirmation)[1])["sequence"]
    assert str(event["status"]) == "CANCELLED"
    assert cancellation["Subject"].startswith("Cancelled: Consultation, ")
    assert "Feeling better" not in cancellation.as_string()


def test_a_confirmed_hold_is_confirmed_by_email(api, inbox, run_worker, day):
    held = api.post(
        "/api/calendly/holds",
        {"appointment_type": "consultation", "date": day.isoformat(), "start_time": "09:00"},
        format="json",
    ).json()
    assert inbox.messages == [] and not Message.objects.exists()  # a hold has no patient to tell
    response = api.post(
        "/api/calendly/book",
        {"hold_id": held["hold_id"], "patient_name": "Grace Hopper", "patient_email": "grace@example.com"},
        format="json",
    )
    assert response.status_code == 200
    run_worker()
    [mail] = inbox.messages
    assert event_of(invite_of(mail)[1])["sequence"] == 2  # held, then confirmed


def test_no_email_address_means_no_email(book, day, inbox, run_worker):
    assert book(day, "10:00", patient_name="No Mail").status_code == 200
    run_worker()
    assert inbox.messages == []
    assert not Message.objects.exists()


def test_a_malformed_email_address_is_refused_naming_the_field(book, day):
    response = book(day, "10:00", patient_email="ada@")
    assert response.status_code == 400
    assert "patient_email" in response.json()["errors"]
    assert not Message.objects.exists()


def test_a_clinic_can_override_the_email_templates(settings, tmp_path, booked, inbox, run_worker):
    override = tmp_path / "notifications" / "email" / "confirmation_subject.txt"
    override.parent.mkdir(parents=True)
    override.write_text("See you soon at {{ clinic.name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    run_worker()
    assert inbox.messages[0]["Subject"] == "See you soon at Demo Clinic"


def test_a_corrected_address_gets_what_has_not_gone_out(booked, inbox, run_worker):
    booking = Booking.objects.get(reference=booked["booking_id"])
    bookings.change_patient_details(
        booking, PatientDetails(name="Ada Lovelace", email="ada@lovelace.example"), by=Actor.integration("desk")
    )
    run_worker()
    [mail] = inbox.messages
    assert mail["To"] == "Ada Lovelace <ada@lovelace.example>"
    assert set(Message.objects.values_list("recipient", flat=True)) == {"ada@lovelace.example"}


def test_a_removed_address_stops_what_has_not_gone_out(booked, inbox, run_worker):
    booking = Booking.objects.get(reference=booked["booking_id"])
    bookings.change_patient_details(booking, PatientDetails(name="Ada Lovelace"), by=Actor.integration("desk"))
    run_worker()
    assert inbox.messages == []
    assert set(Message.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_name_stored_with_a_line_break_before_the_fix_still_gets_its_email(booked, inbox, run_worker):
    """Rows written before names were kept on one line: Django refuses a header with a line break, so the
    message failed on every attempt for hours; the e-mail's To header folds the name instead."""
    Booking.objects.update(patient_name="Ada\nLovelace")
    message = Message.objects.get(kind="confirmation")
    message.booking_snapshot = {**message.booking_snapshot, "patient_name": "Ada\r\nLovelace"}
    message.save(update_fields=["booking_snapshot"])
    run_worker()
    [mail] = inbox.messages
    assert mail["To"] == "Ada Lovelace <ada@example.com>"
    assert Message.objects.get(kind="confirmation").status == "sent"
