"""Staff see the waitlist in line order with each entry's offers, add a patient who phoned in under the
API's rules, take entries out of line (withdrawing an open offer), and see every offer read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outbox.tests.mail import text_of
from scheduling.models import Booking, BookingEvent
from waitlist.models import Entry, Offer
from waitlist.tests.freed_time import cancel

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client):
    return admin_client


def add_entry(staff, consultation, day, **fields):
    form = {
        "appointment_type": consultation.pk,
        "practitioner": "",
        "earliest_date": day.isoformat(),
        "latest_date": day.isoformat(),
        "earliest_time": "",
        "latest_time": "",
        "patient_name": "Phoned In",
        "patient_email": "phoned@example.com",
        "patient_phone": "",
        "offers-TOTAL_FORMS": "0",
        "offers-INITIAL_FORMS": "0",
        **fields,
    }
    return staff.post(reverse("admin:waitlist_entry_add"), form)


def test_staff_add_an_entry_under_the_same_rules(staff, consultation, day, inbox, run_worker):
    refused = add_entry(staff, consultation, day, earliest_time="10:00", latest_time="10:10")
    assert refused.status_code == 200
    assert "too short for a 30-minute Consultation" in refused.text
    assert add_entry(staff, consultation, day).status_code == 302
    entry = Entry.objects.get()
    assert entry.patient_name == "Phoned In"
    run_worker()
    [message] = inbox.messages
    assert f"/waitlist/{entry.reference}/?token={entry.token}" in text_of(message)


def test_the_list_and_an_entry_show_the_line_and_its_offers(staff, api, join, booked, run_worker, mail_server_port):
    join("Grace Hopper")
    join("Alan Turing")
    cancel(api, booked)
    run_worker()
    listing = staff.get(reverse("admin:waitlist_entry_changelist"))
    assert listing.status_code == 200
    assert listing.text.index("Grace Hopper") < listing.text.index("Alan Turing")
    grace = Entry.objects.get(patient_name="Grace Hopper")
    page = staff.get(reverse("admin:waitlist_entry_change", args=[grace.pk]))
    assert "1 for Consultation" in page.text
    assert Offer.objects.get().hold.reference in page.text
    offers = staff.get(reverse("admin:waitlist_offer_changelist"))
    assert "Grace Hopper" in offers.text and "open" in offers.text.lower()


def test_taking_an_entry_out_of_line_withdraws_its_offer(staff, api, join, booked, run_worker, mail_server_port):
    join("Grace Hopper")
    cancel(api, booked)
    run_worker()
    entry = Entry.objects.get()
    response = staff.post(
        reverse("admin:waitlist_entry_changelist"),
        {"action": "take_out_of_line", "_selected_action": [entry.pk]},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "removed"
    offer = Offer.objects.get()
    assert offer.status == "withdrawn"
    released = BookingEvent.objects.get(booking=offer.hold, kind="hold_released")
    assert (released.actor, released.actor_name, released.channel) == ("staff", "admin", "admin")
    assert Booking.objects.get(pk=offer.hold_id).status == "released"
