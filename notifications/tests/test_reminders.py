"""Reminders fall due their offset of real time before the visit, across clock changes too; none for a
booking made inside the window, none after a cancel, and a reschedule moves them."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import Message
from outbox.tests.mail import text_of
from scheduling import bookings
from scheduling.bookings import Actor, PatientDetails
from scheduling.models import AppointmentType, Booking, Clinic
from scheduling.tests.clock_changes import next_clock_change

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def book_at(moment: datetime, day, start: time, **patient) -> Booking:
    booking, _ = bookings.book(
        bookings.RequestedSlot(AppointmentType.objects.get(slug="consultation"), day, start),
        patient=PatientDetails(name="Ada Lovelace", email="ada@example.com", **patient),
        now=moment,
    )
    return booking


def reminders_sent(inbox):
    return [m for m in inbox.messages if m["Subject"].startswith("Reminder:")]


@pytest.mark.parametrize("forward", [True, False], ids=["spring-forward", "fall-back"])
def test_a_reminder_falls_due_24_real_hours_before_across_a_clock_change(settings, clinic, inbox, run_worker, forward):
    settings.TIME_ZONE = "Europe/London"
    change_day = next_clock_change(LONDON, forward=forward)
    visit = datetime.combine(change_day, time(10), tzinfo=LONDON)
    # In UTC: arithmetic on a datetime in a zone moves its wall clock, not the instant.
    due = visit.astimezone(UTC) - timedelta(hours=24)
    with time_machine.travel(visit - timedelta(days=2), tick=False):
        booking = book_at(visit - timedelta(days=2), change_day, time(10))
    reminder = Message.objects.get(booking=booking, kind="reminder")
    assert reminder.next_attempt_at == due
    # The clocks changed between the reminder and the visit: the wall clock says 23 or 25 hours.
    wall_clock_gap = datetime.combine(change_day, time(10)) - due.astimezone(LONDON).replace(tzinfo=None)
    assert wall_clock_gap == timedelta(hours=25 if forward else 23)

    with time_machine.travel(due - timedelta(seconds=1), tick=False):
        run_worker()
    assert reminders_sent(inbox) == []
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        run_worker()
    [sent] = reminders_sent(inbox)
    assert f"{change_day.day} {change_day:%B %Y}, 10:00 to 10:30 Europe/London" in text_of(sent)


def test_staff_may_set_several_reminders(clinic, inbox, run_worker, today):
    consultation = AppointmentType.objects.get(slug="consultation")
    consultation.reminder_minutes = [2 * 24 * 60, 120]
    consultation.save()
    now = datetime.combine(today, time(8), tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        booking = book_at(now, today + timedelta(days=5), time(10))
    dues = sorted(Message.objects.filter(booking=booking, kind="reminder").values_list("next_attempt_at", flat=True))
    assert dues == [booking.starts_at - timedelta(days=2), booking.starts_at - timedelta(hours=2)]
    with time_machine.travel(booking.starts_at - timedelta(minutes=119), tick=False):
        run_worker()
    assert len(reminders_sent(inbox)) == 2


def test_no_reminder_for_a_booking_made_inside_its_window(clinic, inbox, run_worker, today):
    now = datetime.combine(today, time(12), tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        booking = book_at(now, today + timedelta(days=1), time(10))  # 22 hours ahead
        run_worker()
    assert not Message.objects.filter(booking=booking, kind="reminder").exists()
    with time_machine.travel(booking.starts_at - timedelta(minutes=1), tick=False):
        run_worker()
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["Booked"]


def test_no_reminder_after_a_cancel(clinic, inbox, run_worker, today):
    now = datetime.combine(today, time(8), tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        booking = book_at(now, today + timedelta(days=3), time(10))
        bookings.cancel(booking, by=Actor.integration("test"), now=now)
    with time_machine.travel(booking.starts_at - timedelta(hours=1), tick=False):
        run_worker()
    assert sorted(m["Subject"].split(":")[0] for m in inbox.messages) == ["Booked", "Cancelled"]
    reminder = Message.objects.get(booking=booking, kind="reminder")
    assert (reminder.status, reminder.last_error) == ("cancelled", "The appointment was cancelled.")


def test_a_reschedule_moves_the_reminder(clinic, inbox, run_worker, today):
    now = datetime.combine(today, time(8), tzinfo=UTC)
    first_day, new_day = today + timedelta(days=3), today + timedelta(days=5)
    with time_machine.travel(now, tick=False):
        booking = book_at(now, first_day, time(10))
        old_due = booking.starts_at - timedelta(hours=24)
        bookings.reschedule(booking, bookings.RequestedSlot(booking.appointment_type, new_day, time(11)), now=now)
    with time_machine.travel(old_due + timedelta(minutes=1), tick=False):
        run_worker()
    assert reminders_sent(inbox) == []
    with time_machine.travel(booking.starts_at - timedelta(hours=24) + timedelta(minutes=1), tick=False):
        run_worker()
    [sent] = reminders_sent(inbox)
    assert f"{new_day.day} {new_day:%B %Y}, 11:00 to 11:30" in text_of(sent)


def test_a_reminder_that_can_only_go_out_after_the_start_is_dropped(clinic, inbox, run_worker, today):
    now = datetime.combine(today, time(8), tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        booking = book_at(now, today + timedelta(days=3), time(10))
    with time_machine.travel(booking.starts_at + timedelta(minutes=5), tick=False):
        run_worker()  # the workers were down all day
    assert reminders_sent(inbox) == []
    assert Message.objects.get(booking=booking, kind="reminder").status == "cancelled"


def test_a_reminder_inside_the_cutoff_says_to_call_the_clinic_not_to_cancel_online(clinic, inbox, run_worker, today):
    consultation = AppointmentType.objects.get(slug="consultation")
    consultation.patient_change_cutoff_minutes = 48 * 60
    consultation.reminder_minutes = [72 * 60, 24 * 60]
    consultation.save()
    details = Clinic.load()
    details.phone = "+44 20 7946 0000"
    details.save()
    now = datetime.combine(today, time(9), tzinfo=UTC)
    booking = book_at(now, today + timedelta(days=5), time(10))
    for reminder in Message.objects.filter(booking=booking, kind="reminder").order_by("next_attempt_at"):
        with time_machine.travel(reminder.next_attempt_at + timedelta(seconds=1), tick=False):
            run_worker()
    early, late = (text_of(sent) for sent in reminders_sent(inbox))
    assert "If you cannot come, please cancel or move it" in early
    assert "To view, reschedule or cancel your appointment:" in early
    assert "If you cannot come, please call the clinic on +44 20 7946 0000" in late
    assert "Bookings can be cancelled or moved online up to 48 hours before the start." in late
    assert "reschedule or cancel" not in late
