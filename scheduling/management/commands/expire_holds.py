from django.core.management.base import BaseCommand

from scheduling import bookings


class Command(BaseCommand):
    help = "Record lapsed slot holds as expired. They stop blocking when they lapse anyway; this tidies the list."

    def handle(self, *args, **options):
        self.stdout.write(f"Expired {bookings.expire_stale_holds()} lapsed holds.")
