"""An outbox row as an e-mail from the clinic, whichever app's row it is: subject, plain text and HTML from
templates (which a clinic may override, see docs/emails.md), sent in the clinic's name, answered to the clinic, and
with one Message-ID for every attempt.

The outbox knows no app: the caller passes the clinic in (scheduling.models.Clinic has what a Sender has).
"""

from __future__ import annotations

from email.utils import formataddr
from typing import Protocol

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from outbox.models import OutboxItem


class Sender(Protocol):
    """Who the e-mail is from: the clinic's name and the address it sends from and is answered at."""

    name: str
    sender_email: str


def build(template: str, context: dict, clinic: Sender, *, to: tuple[str, str], message_id: str):
    """An e-mail from the clinic: `template`'s subject, plain text and HTML, answered to the clinic."""
    name, address = to
    # Names are stored on one line now (scheduling/patient_details.py), but rows and queued messages from
    # before may hold a line break, which Django refuses in a header: every attempt would fail until the
    # message is given up, hours later. Folded here, every such message goes out, whichever app's it is.
    to = (" ".join(name.split()), address)
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=formataddr((clinic.name, clinic.sender_email)),
        to=[formataddr(to)],
        reply_to=[clinic.sender_email],
        headers={"Message-ID": message_id},
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def message_id(message: OutboxItem, clinic: Sender, kind: str = "message") -> str:
    """One Message-ID for every attempt at one message, so a receiver that got it twice can tell."""
    domain = clinic.sender_email.rpartition("@")[2] or "localhost"
    return f"<{kind}-{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
