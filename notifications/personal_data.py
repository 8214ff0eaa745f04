"""The patients' e-mails' personal data, for the core's registry (scheduling/privacy/registry.py): the
address each went to, and the name in the booking as each message tells it."""

from __future__ import annotations

from notifications.models import Message
from scheduling.privacy.registry import register

Status = Message.Status


def _blank_messages(messages) -> None:
    for pk, snapshot in messages.values_list("pk", "booking_snapshot"):
        Message.objects.filter(pk=pk).update(
            recipient="", last_error="", booking_snapshot={**(snapshot or {}), "patient_name": ""}
        )


def register_personal_data() -> None:
    register(
        Message,
        ["recipient"],
        lambda pks: Message.objects.filter(booking__patient_id__in=pks),
        blank=_blank_messages,
        unsent=lambda messages: messages.filter(status=Status.PENDING),
        copies={
            "booking_snapshot": "the booking's name as the message tells it",
            "last_error": "the mail server's refusal, which quotes the address",
        },
    )
