from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from scheduling.signals import booking_changed, series_booked
        from webhooks import receivers

        booking_changed.connect(receivers.on_booking_changed, dispatch_uid="webhooks-outbox")
        series_booked.connect(receivers.on_series_booked, dispatch_uid="webhooks-series-created")
        from webhooks import personal_data

        personal_data.register_personal_data()
