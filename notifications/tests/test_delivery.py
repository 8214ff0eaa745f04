"""Delivery through the outbox: a mail server that is down delays messages but never touches bookings;
failures retry with backoff until they go out or give up; a message queued twice goes out once; the
sweeper recovers what a dead worker left."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import delivery
from notifications.models import Message
from outbox.tests.mail import Inbox
from scheduling.models import Booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(today):
    """Far enough ahead that no reminder falls due within the hours these tests travel forward."""
    return today + timedelta(days=3)


def book_with_email(book, day, start="10:00"):
    response = book(day, start, patient_name="Ada Lovelace", patient_email="ada@example.com")
    assert response.status_code == 200
    return response.json()


def confirmations():
    return Message.objects.filter(kind="confirmation")


def test_a_mail_server_that_is_down_delays_messages_and_never_touches_bookings(book, day, mail_server_port, run_worker):
    booked = book_with_email(book, day)  # answered without any mail server
    run_worker()
    message = confirmations().get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert Booking.objects.get(reference=booked["booking_id"]).status == "confirmed"
    assert book_with_email(book, day, "11:00")["status"] == "confirmed"  # booking goes on meanwhile

    inbox = Inbox(mail_server_port).start()
    try:
        run_worker()  # not yet due again: nothing is hammered
        assert len(inbox.messages) == 1  # only the second booking's first attempt
        with time_machine.travel(timezone.now() + timedelta(hours=1)):
            run_worker()
    finally:
        inbox.stop()
    assert sorted(m["To"] for m in inbox.messages) == ["Ada Lovelace <ada@example.com>"] * 2
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")


def test_retries_back_off_and_then_give_up(settings, book, day, mail_server_port, run_worker):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    book_with_email(book, day)
    waits = []
    for _ in range(4):
        message = confirmations().get()
        with time_machine.travel(message.next_attempt_at, tick=False):
            run_worker()
            message.refresh_from_db()
            waits.append(message.next_attempt_at - timezone.now())
    assert (message.status, message.attempts) == ("failed", 4)
    assert "ConnectionRefusedError" in message.last_error
    base = settings.OUTBOX_RETRY_SECONDS
    for attempt, wait in enumerate(waits[:3], start=1):  # doubling, with jitter in the upper half
        assert timedelta(seconds=base * 2 ** (attempt - 1) / 2) <= wait <= timedelta(seconds=base * 2 ** (attempt - 1))


def test_a_message_queued_twice_goes_out_once(book, day, inbox, run_worker):
    book_with_email(book, day)
    message = confirmations().get()
    delivery.queue(message)  # as the sweeper or a retry might
    run_worker()
    assert len(inbox.messages) == 1
    assert confirmations().get().attempts == 1


def test_the_sweeper_recovers_a_message_whose_worker_died_mid_send(book, day, inbox, run_worker, settings):
    book_with_email(book, day)
    message = confirmations().get()
    now = timezone.now()
    # What a worker killed mid-send leaves: the row claimed, its task gone.
    Message.objects.filter(pk=message.pk).update(status="sending", attempts=1, lease_expires_at=now)
    DBTaskResult.objects.all().delete()
    run_worker()
    assert inbox.messages == []
    assert delivery.sweep(now - timedelta(seconds=1)) == 0  # the lease has not lapsed yet
    with time_machine.travel(now + timedelta(seconds=1)):
        assert delivery.sweep() == 1
        run_worker()
    assert len(inbox.messages) == 1
    assert confirmations().get().status == "sent"


def test_the_sweeper_requeues_an_overdue_message_with_no_task_waiting(book, day, inbox, run_worker, settings):
    book_with_email(book, day)
    DBTaskResult.objects.all().delete()  # a task row lost (or marked running by a worker that died)
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    assert delivery.sweep() == 0  # within the grace period: a worker may be about to send it
    with time_machine.travel(timezone.now() + grace + timedelta(seconds=1)):
        assert delivery.sweep() == 1
        run_worker()
    assert len(inbox.messages) == 1


def test_the_sweeper_leaves_messages_whose_task_still_waits(book, day, settings):
    book_with_email(book, day)
    later = timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 60)
    assert delivery.sweep(later) == 0  # workers are merely behind: queueing again would only add work


def test_the_sweep_command_reports_the_outbox(book, day, capsys):
    book_with_email(book, day)  # a confirmation and a reminder
    call_command("sweep_outbox")
    assert "Messages: queued 0 again; 2 pending, 0 sending, 0 sent, 0 failed, 0 cancelled." in capsys.readouterr().out
