"""What the core announces to the apps built on it, which it never imports (see .importlinter)."""

from django.dispatch import Signal

# Sent by the write path (scheduling/bookings/) inside the transaction of every change, with the
# `booking` as it now is and the `event` recorded. Receivers write in the same transaction: their rows
# commit with the change or not at all. They must not do slow work (send mail, call URLs) here.
booking_changed = Signal()

# Sent by `scheduling.bookings.series.book_course` inside its transaction, once the course's visits are
# booked (each also sent `booking_changed`), with the `series` and its `bookings` in date order: one
# confirmation for the whole course, not one per visit.
series_booked = Signal()
