import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from scheduling import clinic_time
from scheduling.privacy import retention


class Command(BaseCommand):
    help = (
        "Erase the patients whose last visit ended more than PATIENT_RETENTION_YEARS ago, once or every N "
        "seconds (the purger program does it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be erased; change nothing.")
        parser.add_argument("--every", type=float, default=0, help="Repeat every this many seconds (0: once).")

    def handle(self, *args, dry_run, every, verbosity, **options):
        while True:
            counts = retention.purge(clinic_time.now(), dry_run=dry_run)
            if verbosity and (counts["patients"] or not every):
                self.stdout.write(self.report(counts, dry_run))
            if not every:
                return
            close_old_connections()
            time.sleep(every)

    def report(self, counts: dict[str, int], dry_run: bool) -> str:
        patients = counts.pop("patients")
        rows = ", ".join(f"{table} {count}" for table, count in sorted(counts.items()) if count)
        verb = "Would erase" if dry_run else "Erased"
        return f"{verb} {patients} patients whose retention period is over" + (f" (rows: {rows})." if rows else ".")
