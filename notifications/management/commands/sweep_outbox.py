"""Queue again the messages a dead worker left behind, once or every N seconds (`make run` does the
latter; cron running it once a minute does the same)."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models import Count

from notifications import delivery
from notifications.models import Message


class Command(BaseCommand):
    help = "Queue again the patient messages whose worker died or whose task was lost; report the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Repeat every this many seconds (0: once).")

    def handle(self, *args, every, verbosity, **options):
        while True:
            queued = delivery.sweep()
            if verbosity and (queued or not every):
                counts = dict.fromkeys(Message.Status.values, 0)
                for row in Message.objects.order_by().values("status").annotate(count=Count("pk")):
                    counts[row["status"]] = row["count"]
                summary = ", ".join(f"{count} {status}" for status, count in counts.items())
                self.stdout.write(f"Queued {queued} message(s) again. Outbox: {summary}.")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
