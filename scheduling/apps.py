from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


def _reference_changed(**kwargs):
    from scheduling import calendar_cache

    calendar_cache.changed(calendar_cache.REFERENCE)


def _bookings_changed(**kwargs):
    from scheduling import calendar_cache

    calendar_cache.changed(calendar_cache.BOOKINGS)


def reinstall_overlap_guard(using, **kwargs):
    """SQLite rebuilds a table (dropping its triggers) when a migration alters it; put the guard back."""
    from django.db import connections

    from scheduling import overlap_guard

    connection = connections[using]
    if "scheduling_booking" in connection.introspection.table_names():
        overlap_guard.install(connection)


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from scheduling import models

        post_migrate.connect(reinstall_overlap_guard, sender=self)
        # Anything availability depends on invalidates every worker's cached copies when it changes.
        handlers = {
            models.AppointmentType: _reference_changed,
            models.Practitioner: _reference_changed,
            models.OpeningHours: _reference_changed,
            models.TimeOff: _reference_changed,
            models.ClinicClosure: _reference_changed,
            models.Booking: _bookings_changed,
        }
        for model, handler in handlers.items():
            post_save.connect(handler, sender=model, dispatch_uid=f"cache-save-{model.__name__}")
            post_delete.connect(handler, sender=model, dispatch_uid=f"cache-delete-{model.__name__}")
        offers = models.Practitioner.appointment_types.through
        m2m_changed.connect(_reference_changed, sender=offers, dispatch_uid="cache-offers")
