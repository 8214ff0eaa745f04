from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


def _reference_changed(**kwargs):
    from scheduling import cache

    cache.changed(cache.REFERENCE)


def _bookings_changed(**kwargs):
    from scheduling import cache

    cache.changed(cache.BOOKINGS)


def reinstall_guards(using, **kwargs):
    """SQLite rebuilds a table (dropping its triggers) when a migration alters it; put the guards back."""
    from django.db import connections

    from scheduling import guards

    guards.install_all(connections[using])


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from scheduling import models, roles  # noqa: F401 - roles: the object rules django-rules asks

        post_migrate.connect(reinstall_guards, sender=self)
        # What staff configure invalidates every worker's cached copies when it changes. Bookings do it
        # themselves: their one write path (scheduling/bookings/) announces each change.
        for model in (
            models.Clinic,
            models.ClinicHours,
            models.AppointmentType,
            models.IntakeQuestion,
            models.Practitioner,
            models.OpeningHours,
            models.TimeOff,
            models.ClinicClosure,
            models.Resource,
            models.ResourcePool,
            models.ResourceRequirement,
            models.ResourceHours,
            models.ResourceTimeOff,
        ):
            post_save.connect(_reference_changed, sender=model, dispatch_uid=f"cache-save-{model.__name__}")
            post_delete.connect(_reference_changed, sender=model, dispatch_uid=f"cache-delete-{model.__name__}")
        offers = models.Practitioner.appointment_types.through
        m2m_changed.connect(_reference_changed, sender=offers, dispatch_uid="cache-offers")
        members = models.ResourcePool.members.through
        m2m_changed.connect(_reference_changed, sender=members, dispatch_uid="cache-pool-members")
        # A session's capacity is part of what availability offers: its seats left.
        post_save.connect(_bookings_changed, sender=models.GroupSession, dispatch_uid="cache-session-save")
        from scheduling.privacy.core_fields import register_core

        register_core()
