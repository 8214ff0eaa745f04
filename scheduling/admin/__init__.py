"""The clinic's back office. Django's admin autodiscovery imports this package; each module registers its
own models."""

from scheduling.admin import bookings, courses, patients, privacy_requests, reads, reference, resources

__all__ = ["bookings", "courses", "patients", "privacy_requests", "reads", "reference", "resources"]
