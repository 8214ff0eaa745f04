"""E-mails about waitlist entries: the confirmation of joining, with the patient's link to see their place,
and leave. Sent from the outbox like every other e-mail (outbox/courier.py). Offers are e-mailed as
their held booking's messages (notifications/receivers.py)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from outbox import mail
from outbox.courier import Courier
from scheduling.models import Clinic
from waitlist.models import Entry, Notice


@task()
def send_notice(notice_id: int) -> str:
    return deliver(notice_id)


courier = Courier(Notice, send_notice)


def joined(entry: Entry) -> Notice:
    """Queue the confirmation of joining; in the caller's transaction."""
    notice = Notice.objects.create(
        entry=entry, kind=Notice.Kind.JOINED, recipient=entry.patient_email, next_attempt_at=entry.joined_at
    )
    courier.queue(notice)
    return notice


def deliver(notice_id: int, now: datetime | None = None) -> str:
    return courier.attempt(notice_id, now or timezone.now(), _send)


def _send(notice: Notice) -> None:
    compose(notice).send()


def compose(notice: Notice):
    clinic = Clinic.load()
    entry = notice.entry
    context = {
        "clinic": clinic,
        "entry": entry,
        "patient_name": entry.patient_name,
        "entry_url": patients_url(entry),
        "offer_minutes": round(settings.WAITLIST_OFFER_MINUTES),
        "zone_name": clinic.zone_name,
    }
    return mail.build(
        f"waitlist/email/{notice.kind}",
        context,
        clinic,
        to=(entry.patient_name, notice.recipient),
        message_id=mail.message_id(notice, clinic, kind="waitlist"),
    )


def entry_path(entry: Entry) -> str:
    """The patient's page for their entry, with its token: the credential to see it and leave."""
    return f"{reverse('waitlist-entry', kwargs={'reference': entry.reference})}?token={entry.token}"


def patients_url(entry: Entry) -> str:
    """The patient's link to their entry, on the public SITE_URL."""
    return settings.SITE_URL.rstrip("/") + entry_path(entry)
