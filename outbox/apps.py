from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """What every outbox shares (the row's fields, its courier, the sweep); no tables
    of its own: each app that sends something in the background keeps its own outbox table."""

    name = "outbox"
    verbose_name = "Outbox"
