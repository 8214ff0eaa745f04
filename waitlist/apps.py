import rules
from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save

REACH_ENTRY = "waitlist.reach_entry"


class WaitlistConfig(AppConfig):
    name = "waitlist"
    verbose_name = "Waitlist"

    def ready(self):
        from scheduling import roles
        from scheduling.models import ClinicClosure, TimeOff
        from scheduling.patients import sections
        from scheduling.reports import registry as reports
        from scheduling.signals import booking_changed
        from waitlist import freed, notices, patient_section, report_figure  # noqa: F401 - notices: its courier

        sections.register("waitlist", "Waitlist entries", patient_section.entries)
        reports.register(report_figure.FIGURE)

        # An entry is its practitioner's as a booking is: the core's rule, by `practitioner_id`.
        rules.set_perm(REACH_ENTRY, roles.reaches_booking)

        booking_changed.connect(freed.on_booking_changed, dispatch_uid="waitlist-freed-time")
        for model, saved, deleted in (
            (TimeOff, freed.on_time_off_saved, freed.on_time_off_deleted),
            (ClinicClosure, freed.on_closure_saved, freed.on_closure_deleted),
        ):
            pre_save.connect(freed.remember_span_before_change, sender=model, dispatch_uid=f"waitlist-{model.__name__}")
            post_save.connect(saved, sender=model, dispatch_uid=f"waitlist-saved-{model.__name__}")
            post_delete.connect(deleted, sender=model, dispatch_uid=f"waitlist-deleted-{model.__name__}")
        from waitlist import personal_data

        personal_data.register_personal_data()
