from django.core.management.base import BaseCommand

from scheduling.api.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than 24 hours (they hold responses with manage tokens)."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {purge_expired()} expired idempotency records.")
