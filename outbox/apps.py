from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """What every outbox shares: the row's fields, its courier, the sweep and the clinic's e-mail. No tables:
    each app that sends something in the background keeps its own outbox table."""

    name = "outbox"
    verbose_name = "Outbox"

    def ready(self):
        from outbox import checks  # noqa: F401 (registers the check that mail goes out over TLS)
