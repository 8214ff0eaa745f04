from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from notifications import receivers
        from scheduling.signals import booking_changed

        booking_changed.connect(receivers.on_booking_changed, dispatch_uid="notifications-outbox")
