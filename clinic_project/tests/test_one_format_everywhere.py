"""Status labels and times read the same wherever staff or patients see them: sentence case ("Checked in",
"No-show"), 24-hour times on the clinic's clock, never "a.m." or "p.m."."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from notifications.emails import compose
from notifications.models import Message
from scheduling import bookings, clinic_time
from scheduling.links import manage_url
from scheduling.models import Booking, BookingEvent

pytestmark = pytest.mark.django_db

TWELVE_HOUR = re.compile(r"\b(a\.m\.|p\.m\.|noon|midnight)|\d\s?[AaPp][Mm]\b")
# A status label in a cell, a filter link or after "Status": never in another case than the label's own.
LOWER_CASE_LABELS = [label.lower() for label in [*Booking.Status.labels, *BookingEvent.Kind.labels]]


def lower_case_labels_in(page: str) -> list[str]:
    return [label for label in LOWER_CASE_LABELS if re.search(rf">\s*{re.escape(label)}\s*<", page)]


@pytest.fixture
def afternoon_bookings(consultation, tomorrow):
    # Made at 15:45 on the clinic's clock, so every "created"/"changed" time would read p.m. in 12-hour form.
    with time_machine.travel(clinic_time.at(tomorrow - timedelta(days=1), time(15, 45)), tick=False):
        made = []
        for hour, name in [(14, "Ada Lovelace"), (15, "Grace Hopper"), (16, "Alan Turing")]:
            booking, token = bookings.book(
                bookings.RequestedSlot(consultation, tomorrow, time(hour)),
                patient=bookings.PatientDetails(name=name, email=f"{name.split()[0].lower()}@example.com"),
            )
            made.append((booking, token))
        bookings.cancel(made[1][0], by=bookings.PATIENT, via=BookingEvent.Channel.BOOKING_PAGE)
    return made


def staff_pages(admin_client, booking, day):
    yield admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
    yield admin_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    yield admin_client.get(reverse("admin:scheduling_booking_day"), {"date": day.isoformat()}).content.decode()
    yield admin_client.get(reverse("admin:scheduling_patient_change", args=[booking.patient_id])).content.decode()


def test_staff_pages_show_sentence_case_labels_and_24_hour_times(admin_client, afternoon_bookings, tomorrow):
    booking = afternoon_bookings[0][0]
    for page in staff_pages(admin_client, booking, tomorrow):
        assert not TWELVE_HOUR.search(page), TWELVE_HOUR.search(page)
        assert lower_case_labels_in(page) == []
    booking_list = admin_client.get(reverse("admin:scheduling_booking_changelist")).content.decode()
    assert ">Checked in</a>" in booking_list and ">No-show</a>" in booking_list  # the status filter
    assert "Cancelled" in booking_list and "14:00" in booking_list
    booking_page = admin_client.get(reverse("admin:scheduling_booking_change", args=[booking.pk])).content.decode()
    assert "15:45" in booking_page  # created at, on the clinic's clock


def test_patients_pages_and_emails_show_24_hour_times(client, afternoon_bookings):
    for booking, token in afternoon_bookings:
        page = client.get(manage_url(booking, token), follow=True).content.decode()
        assert not TWELVE_HOUR.search(page), TWELVE_HOUR.search(page)
        assert lower_case_labels_in(page) == []
    cancelled = client.get(manage_url(*afternoon_bookings[1]), follow=True).content.decode()
    assert "Cancelled" in cancelled and "15:00" in cancelled
    emails = [compose(message) for message in Message.objects.all()]
    assert emails
    for email in emails:
        text = " ".join([email.subject, email.body, *(body for body, _ in email.alternatives)])
        assert not TWELVE_HOUR.search(text), TWELVE_HOUR.search(text)


def test_opening_hours_are_shown_to_staff_as_they_type_them_without_seconds(admin_client, consultation):
    practitioner = consultation.practitioners.first()
    page = admin_client.get(reverse("admin:scheduling_practitioner_change", args=[practitioner.pk])).content.decode()

    opens = re.findall(
        r'name="opening_hours-0-opens_at"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="opening_hours-0-opens_at"', page
    )
    assert opens and "".join(opens[0]) == "09:00"
