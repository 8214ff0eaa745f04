"""The one write path for bookings: book, hold, offer, confirm or release a hold, cancel, reschedule, the
front desk's statuses, staff edits of patient details and revoking a manage link.

The API, the admin, the shell, the booking page and the waitlist call these functions; nothing else
writes bookings. Each change is one conditional write whose row count is checked plus exactly one
`BookingEvent`, in the same transaction (`writes`). Requests are checked against the same calendars
availability shows; the database's overlap guard has the last word when two requests race for the time.

`from scheduling import bookings; bookings.book(...)`: every verb is re-exported here.
"""

from scheduling.bookings.changes import (
    SCHEDULE_CHANGED,
    cancel,
    change_refusal,
    keep_despite_change,
    offer_new_times,
    reschedule,
)
from scheduling.bookings.claims import book, free_practitioners, hold, hold_minutes, offer
from scheduling.bookings.front_desk import change_patient_details, check_in, complete, mark_no_show
from scheduling.bookings.history import import_history
from scheduling.bookings.holds import confirm_hold, expire_hold, expire_stale_holds, find_hold, release_hold
from scheduling.bookings.manage_links import revoke_manage_link
from scheduling.bookings.writes import PATIENT, SYSTEM, Actor, PatientDetails
from scheduling.rules import RequestedSlot
from scheduling.tokens import manage_token

__all__ = [
    "PATIENT",
    "SCHEDULE_CHANGED",
    "SYSTEM",
    "Actor",
    "PatientDetails",
    "RequestedSlot",
    "book",
    "cancel",
    "change_patient_details",
    "change_refusal",
    "check_in",
    "complete",
    "confirm_hold",
    "expire_hold",
    "expire_stale_holds",
    "find_hold",
    "free_practitioners",
    "hold",
    "hold_minutes",
    "import_history",
    "keep_despite_change",
    "manage_token",
    "mark_no_show",
    "offer",
    "offer_new_times",
    "release_hold",
    "reschedule",
    "revoke_manage_link",
]
