from django.core.management.base import BaseCommand, CommandError

from scheduling import clinic_time, demo_clinic

DEMOS = {"clinic": demo_clinic.load_clinic}


class Command(BaseCommand):
    help = (
        "Make a demo clinic (`clinic`: four practitioners with lunch breaks, weekends and holidays closed, three "
        "treatment rooms, a hydrotherapy pool, flu jabs twelve to a session); idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("demo", choices=sorted(DEMOS))
        parser.add_argument(
            "--over-bookings", action="store_true", help="Run even though the database already has bookings."
        )

    def handle(self, *args, demo, over_bookings, **options):
        try:
            done = DEMOS[demo](clinic_time.today(), over_bookings=over_bookings)
        except demo_clinic.DemoRefused as refused:
            raise CommandError(f"{refused} Run it on a new database, or add --over-bookings.") from None
        for line in done:
            self.stdout.write(line)
