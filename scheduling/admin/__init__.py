"""The clinic's back office. Django's admin autodiscovery imports this package; each module registers its
own models."""

from scheduling.admin import bookings, reads, reference

__all__ = ["bookings", "reads", "reference"]
