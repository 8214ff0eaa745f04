"""Intake answers never leave the clinic (beside the project: it spans every app). A canary answer, in a
clinical and in a non-clinical question, booked through the API and through the booking page, with the
job worker run so that e-mails, invites and webhooks go out: no e-mail (text, HTML, attachments and the
.ics included), webhook body, outbox row, log line (at DEBUG) or embed message carries it. The database
holds it only in the bookings' own row."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from booking_page.tests.html import form_to
from booking_page.tests.patient import PATIENT
from notifications.models import Message
from scheduling.models import Booking
from scheduling.tests.intake_questions import ask_questions
from webhooks.models import Delivery
from webhooks.tests.receiver import Receiver
from webhooks.tests.test_webhooks import register, run_until_quiet

pytestmark = pytest.mark.django_db
CLINICAL, NOT_CLINICAL = f"canary-clinical-{uuid.uuid4().hex[:8]}", f"canary-plain-{uuid.uuid4().hex[:8]}"
CANARIES = (CLINICAL, NOT_CLINICAL)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on 127.0.0.1
    started = Receiver().start()
    yield started
    started.stop()


def email_texts(message) -> list[str]:
    """Every part of an e-mail as the recipient's program reads it: headers, bodies and attachments decoded."""
    texts = [str(message.items())]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload is not None:
            texts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
    return texts


def embed_events(page: str) -> list[str]:
    return re.findall(r'<script id="embed-event" type="application/json">(.*?)</script>', page, re.S)


def database_outside_bookings() -> str:
    """Every value of every table but the bookings' own, as text."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table == Booking._meta.db_table:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(out)


def test_no_answer_leaves_the_clinic(
    api, client, admin_user, consultation, clinic, today, inbox, run_worker, receiver, caplog
):
    caplog.set_level(logging.DEBUG)
    ask_questions(consultation)
    staff = api.__class__()
    staff.force_authenticate(admin_user)
    register(staff, receiver.url)
    day = today + timedelta(days=3)

    through_api = api.post(
        "/api/calendly/book",
        {
            "patient_name": "Ada Lovelace",
            "patient_email": "ada@example.com",
            "appointment_type": consultation.slug,
            "date": day.isoformat(),
            "start_time": "10:00",
            "answers": {"new-patient": False, "symptoms": CLINICAL, "heard-of-us": NOT_CLINICAL},
        },
        format="json",
    )
    assert through_api.status_code == 200, through_api.json()

    chosen = client.post(f"/book/{consultation.slug}/times/", {"date": day.isoformat(), "start": "11:00"})
    form = form_to(chosen, "/book/details/")
    answers = {"answer-new-patient": "yes", "answer-symptoms": CLINICAL, "answer-heard-of-us": NOT_CLINICAL}
    booked = client.post(form.pop("action"), {**form, **PATIENT, **answers})
    assert b"You are booked" in booked.content

    kept = [a["answer"] for b in Booking.objects.filter(status="confirmed") for a in b.intake_answers]
    assert kept.count(CLINICAL) == 2 and kept.count(NOT_CLINICAL) == 2  # the canaries did go in
    pages = [through_api.content.decode(), chosen.content.decode(), booked.content.decode()]
    run_until_quiet(run_worker)
    run_worker()

    assert len(inbox.messages) >= 2  # both confirmations, with their invites
    assert any(p.get_content_type() == "text/calendar" for m in inbox.messages for p in m.walk())
    assert Delivery.objects.filter(event_type="booking.created").count() == 2
    assert len(receiver.requests) >= 2
    outgoing = {
        "e-mails": [text for message in inbox.messages for text in email_texts(message)],
        "e-mail outbox": [repr(row) for row in Message.objects.values()],
        "webhook bodies": [body.decode() for _, body in receiver.requests],
        "webhook outbox": [repr(row) for row in Delivery.objects.values()],
        "log lines": [record.getMessage() for record in caplog.records] + [caplog.text],
        "embed messages": [event for page in pages for event in embed_events(page)],
        "the database outside the bookings": [database_outside_bookings()],
    }
    assert outgoing["embed messages"]
    for where, texts in outgoing.items():
        for canary in CANARIES:
            assert not [text for text in texts if canary in text], f"{canary} found in {where}"
    assert json.loads(outgoing["embed messages"][-1])["type"] == "booked"
