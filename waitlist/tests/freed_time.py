"""Time coming free and the offers it sends: a booking cancelled through its manage link, the offer e-mails
one patient received, and the link in an offer."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from outbox.tests.mail import text_of


def cancel(api, booking: dict):
    response = api.post(f"/api/calendly/bookings/{booking['booking_id']}/cancel?token={booking['manage_token']}")
    assert response.status_code == 200, response.json()


def offers_in(inbox, to: str) -> list:
    return [m for m in inbox.messages if to in m["To"] and m["Subject"].startswith("A time has come free")]


def offer_path(message) -> str:
    """The accept-or-decline link of an offer e-mail, as a path for the test client."""
    url = re.search(r"https?://\S+/offer/\S+", text_of(message)).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def answer_offer(client, message, answer: str):
    """Press an offer page's button: the form posts the link's token in its body, never its URL."""
    path, query = offer_path(message).split("?")
    return client.post(path, {"answer": answer, **dict([query.split("=", 1)])})
