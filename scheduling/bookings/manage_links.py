"""Staff revoke one booking's manage link: the old link stops opening it at once, and the patient is sent a
new one (notifications/receivers.py answers the event)."""

from __future__ import annotations

from datetime import datetime

from scheduling import tokens
from scheduling.bookings.writes import Actor, Channel, Kind, Status, change
from scheduling.models import Booking
from scheduling.rules import BookingRuleBroken

# Every booking proper has a link: a cancelled one still shows that it was cancelled.
HAS_A_LINK = [status for status in Status if status not in Booking.HOLD_STATUSES]


def revoke_manage_link(
    booking: Booking, *, by: Actor, via: str = Channel.ADMIN, reason: str = "", now: datetime | None = None
) -> Booking:
    """Replace the booking's manage link (it was forwarded, or read where it should not have been).

    One more revocation changes what the token signs; the random token of a booking made before tokens
    were derived is dropped too. The event records who did it.
    """
    if booking.is_hold:
        raise BookingRuleBroken("A hold has no manage link yet.", field="status", code="is_hold")
    revocations = (booking.manage_link_revocations or 0) + 1
    return change(
        booking,
        Kind.MANAGE_LINK_REVOKED,
        allowed_from=HAS_A_LINK,
        by=by,
        via=via,
        now=now,
        reason=reason,
        manage_link_revocations=revocations,
        manage_token_digest="",
        manage_code_digest=tokens.manage_code_digest(booking.reference, revocations),  # the old code stops too
    )
