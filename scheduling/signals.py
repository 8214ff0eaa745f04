"""What the core announces to the apps built on it, which it never imports (see .importlinter)."""

from django.dispatch import Signal

# Sent by the write path (scheduling/bookings/) inside the transaction of every change, with the
# `booking` as it now is and the `event` recorded. Receivers write in the same transaction: their rows
# commit with the change or not at all. They must not do slow work (send mail, call URLs) here.
booking_changed = Signal()
