"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts."""

from __future__ import annotations

import asyncio
import email
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from icalendar import Calendar


class Inbox:
    """Messages an SMTP server on 127.0.0.1:`port` received; `delay` slows each one, like a busy server."""

    def __init__(self, port: int, delay: float = 0):
        self.port = port
        self.delay = delay
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> Inbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]


def invite_of(message: EmailMessage) -> tuple[str, Calendar]:
    """The calendar part of an e-mail: its METHOD parameter and the parsed calendar."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
