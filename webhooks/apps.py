from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from scheduling.signals import booking_changed
        from webhooks import receivers

        booking_changed.connect(receivers.on_booking_changed, dispatch_uid="webhooks-outbox")
        from webhooks import personal_data

        personal_data.register_personal_data()
