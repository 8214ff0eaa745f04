"""Queue again the outbox rows (e-mails, webhook deliveries, freed time) a dead worker left behind, once or
every N seconds (`make run` does the latter; cron running it once a minute does the same).

Every app's couriers are registered by then: each app's AppConfig.ready imports the modules that make them."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models import Count

from outbox.courier import Courier


class Command(BaseCommand):
    help = "Queue again the outbox rows whose worker died or whose task was lost; report the outboxes."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Repeat every this many seconds (0: once).")

    def handle(self, *args, every, verbosity, **options):
        while True:
            for courier in Courier.every:
                queued = courier.sweep()
                if verbosity and (queued or not every):
                    self.stdout.write(self.report(courier.model, queued))
            if not every:
                return
            close_old_connections()
            time.sleep(every)

    def report(self, model, queued: int) -> str:
        counts = dict.fromkeys(model.Status.values, 0)
        for row in model.objects.order_by().values("status").annotate(count=Count("pk")):
            counts[row["status"]] = row["count"]
        summary = ", ".join(f"{count} {status}" for status, count in counts.items())
        return f"{model._meta.verbose_name_plural.capitalize()}: queued {queued} again; {summary}."
