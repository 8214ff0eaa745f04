from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from notifications import patient_section, receivers
        from scheduling.patients import sections
        from scheduling.signals import booking_changed, series_booked

        sections.register("messages", "Messages sent", patient_section.messages)

        booking_changed.connect(receivers.on_booking_changed, dispatch_uid="notifications-outbox")
        series_booked.connect(receivers.on_series_booked, dispatch_uid="notifications-course-confirmation")
        from notifications import personal_data

        personal_data.register_personal_data()
