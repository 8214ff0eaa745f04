"""Freed time offered to the waitlist, end to end on the suite's engine: a cancellation frees a time, the
worker holds it for the first patient in line and e-mails them (a real SMTP server), and their answer on
the page books it or passes it on. Also: lapsing, skipping, and every other way time comes free."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from outbox.tests.mail import html_of, text_of
from scheduling import clinic_time
from scheduling.models import Booking, BookingEvent, ClinicClosure, TimeOff
from waitlist.models import Entry, Offer
from waitlist.tests.freed_time import answer_offer, cancel, offer_path, offers_in

pytestmark = pytest.mark.django_db


def test_a_cancelled_time_is_offered_by_email_and_accepting_books_it(api, client, join, booked, inbox, run_worker):
    joined = join("Grace Hopper")
    assert joined.status_code == 201
    assert joined.json()["position"] == 1

    cancel(api, booked)
    run_worker()  # offers the freed time, then sends the offer e-mail

    [offer_mail] = offers_in(inbox, "grace@example.com")
    text = text_of(offer_mail)
    assert "Consultation" in text and "10:00 to 10:30" in text
    assert "holding it for you until" in text
    assert "Accept or decline this time" in html_of(offer_mail)
    held = Booking.objects.get(patient_email="grace@example.com")
    assert held.status == "held"  # nobody else can book it meanwhile
    assert (
        api.post(
            "/api/calendly/book",
            {
                "appointment_type": "consultation",
                "date": held.starts_at.date().isoformat(),
                "start_time": "10:00",
                "patient_name": "Eve",
            },
            format="json",
        ).status_code
        == 409
    )

    page = client.get(offer_path(offer_mail), follow=True)  # the token becomes a cookie, the URL loses it
    assert page.status_code == 200
    assert "A time has come free for you" in page.text
    answered = answer_offer(client, offer_mail, "accept")
    assert answered.status_code == 200 and "You are booked" in answered.text  # the confirmation is the answer

    held.refresh_from_db()
    assert (held.status, held.patient_name) == ("confirmed", "Grace Hopper")
    entry = Entry.objects.get()
    assert (entry.status, entry.booking_id) == ("booked", held.pk)
    assert list(held.events.values_list("kind", "channel")) == [("offered", "waitlist"), ("created", "booking_page")]
    run_worker()
    [confirmation] = [m for m in inbox.messages if m["Subject"].startswith("Booked") and "grace@" in m["To"]]
    assert f"/manage/{held.reference}/" in text_of(confirmation)
    # The e-mail's link now opens the booking itself.
    assert (
        client.get(offer_path(offer_mail), follow=True).redirect_chain[-1][0].startswith(f"/manage/{held.reference}/")
    )


def test_an_unanswered_offer_lapses_and_passes_to_the_next_in_line(api, join, booked, inbox, run_worker):
    join("Grace Hopper")
    join("Alan Turing")
    cancel(api, booked)
    run_worker()
    first = Offer.objects.get()
    assert first.entry.patient_name == "Grace Hopper"
    assert (first.expires_at - first.offered_at) == timedelta(minutes=30)

    with time_machine.travel(first.expires_at + timedelta(seconds=1)):
        run_worker()  # the expiry task, then the freed time, then the e-mail

    first.refresh_from_db()
    assert first.status == "expired"
    second = Offer.objects.get(status="open")
    assert second.entry.patient_name == "Alan Turing"
    assert (second.hold.starts_at, second.hold.status) == (first.hold.starts_at, "held")
    assert len(offers_in(inbox, "alan@example.com")) == 1
    assert len(offers_in(inbox, "grace@example.com")) == 1  # not offered the same time twice
    assert Entry.objects.get(patient_name="Grace Hopper").status == "waiting"  # still in line for others


def test_declining_passes_the_time_on_and_keeps_the_patient_in_line(api, client, join, booked, inbox, run_worker):
    join("Grace Hopper")
    join("Alan Turing")
    cancel(api, booked)
    run_worker()
    [offer_mail] = offers_in(inbox, "grace@example.com")

    declined = answer_offer(client, offer_mail, "decline")
    assert declined.status_code == 303 and "done=declined" in declined["Location"]
    run_worker()

    assert Offer.objects.get(entry__patient_name="Grace Hopper").status == "declined"
    assert Offer.objects.get(entry__patient_name="Alan Turing").status == "open"
    assert len(offers_in(inbox, "alan@example.com")) == 1
    assert "You declined this time" in client.get(offer_path(offer_mail), follow=True).text


def test_accepting_after_the_deadline_is_refused_with_a_clear_answer(api, join, booked, inbox, run_worker):
    joined = join("Grace Hopper").json()
    cancel(api, booked)
    run_worker()
    offer = Offer.objects.get()
    with time_machine.travel(offer.expires_at + timedelta(seconds=1)):
        response = api.post(f"/api/calendly/waitlist/{joined['waitlist_id']}/accept?token={joined['manage_token']}")
    assert response.status_code == 409
    assert response.json()["code"] == "offer_ended"
    assert "lapsed" in response.json()["detail"]
    assert Booking.objects.get(pk=offer.hold_id).status == "held"  # nothing changed


def test_one_open_offer_per_entry_and_the_rest_to_the_next(api, book, day, join, inbox, run_worker):
    """Two freed times, two patients: each gets one, in order of joining."""
    morning = [book(day, start, patient_name=f"P{start}").json() for start in ("10:00", "10:30")]
    join("Grace Hopper", latest_time="11:00")
    join("Alan Turing", latest_time="11:00")
    for booking in morning:
        cancel(api, booking)
    run_worker()
    offers = {o.entry.patient_name: o.hold.starts_at for o in Offer.objects.filter(status="open")}
    assert len(offers) == 2
    assert offers["Grace Hopper"] < offers["Alan Turing"]


def test_a_patient_already_booked_in_their_window_is_skipped(
    api, book, join, booked, day, run_worker, mail_server_port
):
    join("Grace Hopper", latest_time="12:00")
    join("Alan Turing", latest_time="12:00")
    assert book(day, "11:00", patient_name="Grace Hopper", patient_email="grace@example.com").status_code == 200
    cancel(api, booked)
    run_worker()
    assert [o.entry.patient_name for o in Offer.objects.all()] == ["Alan Turing"]


def test_times_that_do_not_fit_the_entry_are_not_offered(api, book, day, join, run_worker, mail_server_port):
    afternoon = book(day, "15:00", patient_name="Ada").json()
    join("Grace Hopper")  # 10:00 to 10:30 only
    join("Alan Turing", practitioner="clinic", earliest_time=None, latest_time=None, appointment_type="therapy")
    cancel(api, afternoon)
    run_worker()
    [offer] = Offer.objects.all()
    # Therapy lasts an hour: 15:00 freed a half hour, so the hour offered starts at 14:30 or 15:00.
    assert offer.entry.patient_name == "Alan Turing"
    assert offer.hold.appointment_type.slug == "therapy"


def test_an_entry_ends_after_its_latest_date(api, join, today):
    joined = join("Grace Hopper").json()
    token = joined["manage_token"]
    url = f"/api/calendly/waitlist/{joined['waitlist_id']}?token={token}"
    assert api.get(url).json()["status"] == "waiting"
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        seen = api.get(url).json()
    assert (seen["status"], seen["position"]) == ("ended", None)


def test_moving_a_booking_away_offers_the_time_it_left(api, join, booked, day, run_worker, mail_server_port):
    join("Grace Hopper")
    moved = api.post(
        f"/api/calendly/bookings/{booked['booking_id']}/reschedule?token={booked['manage_token']}",
        {"date": day.isoformat(), "start_time": "14:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    run_worker()
    assert Offer.objects.get().hold.starts_at == clinic_time.at(day, time(10))


def test_a_lapsed_hold_is_offered_once_the_sweeper_records_it(api, join, day, run_worker, mail_server_port):
    slot = {"appointment_type": "consultation", "date": day.isoformat(), "start_time": "10:00"}
    assert api.post("/api/calendly/holds", slot, format="json").status_code == 201
    join("Grace Hopper")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        call_command("sweep_outbox", verbosity=0)
        run_worker()
    assert Booking.objects.get(hold_digest__isnull=False).status == "expired"
    assert Offer.objects.get().entry.patient_name == "Grace Hopper"


def test_removing_time_off_or_a_closure_offers_the_time(clinic, join, day, run_worker, mail_server_port):
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    away = TimeOff.objects.create(practitioner=clinic, starts_at=start, ends_at=start + timedelta(days=1))
    closed = ClinicClosure.objects.create(name="Strike", first_day=day, last_day=day)
    join("Grace Hopper")
    away.delete()
    run_worker()
    assert not Offer.objects.exists()  # still closed that day
    closed.delete()
    run_worker()
    assert Offer.objects.get().entry.patient_name == "Grace Hopper"


def test_an_offer_never_outlasts_the_booking_notice(
    api, book, join, booked, consultation, run_worker, mail_server_port
):
    starts_at = datetime.fromisoformat(booked["starts_at"])
    # The freed slot must be booked by about 20 minutes from now: less than an offer's 30.
    consultation.min_notice_minutes = int((starts_at - timezone.now()).total_seconds() // 60) - 20
    consultation.save()
    join("Grace Hopper")
    cancel(api, booked)
    run_worker()
    offer = Offer.objects.get()
    assert offer.expires_at == offer.hold.starts_at - timedelta(minutes=consultation.min_notice_minutes)
    assert offer.expires_at < offer.offered_at + timedelta(minutes=30)


def test_the_history_records_each_offer_as_a_booking_event(api, join, booked, run_worker, mail_server_port):
    join("Grace Hopper")
    cancel(api, booked)
    run_worker()
    offered = BookingEvent.objects.get(kind="offered")
    assert (offered.actor, offered.channel) == ("system", "waitlist")
    assert offered.changes["patient_name"] == [None, "Grace Hopper"]
