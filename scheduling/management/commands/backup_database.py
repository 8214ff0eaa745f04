import sqlite3
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


class Command(BaseCommand):
    help = "Copy the SQLite database to a file, consistently, while the server keeps running."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Backup file (default: DATA_DIR/backups/<timestamp>.sqlite3)")

    def handle(self, *args, output: Path | None, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                "This database is PostgreSQL: back it up with pg_dump, for example "
                '`pg_dump --format=custom --file=clinic.dump "$DATABASE_URL"` (restore with pg_restore).'
            )
        output = output or settings.DATA_DIR / "backups" / f"clinic-{timezone.now():%Y%m%d-%H%M%S}.sqlite3"
        if output.exists():
            raise CommandError(f"{output} already exists; choose another file.")
        output.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        target = sqlite3.connect(output)
        try:
            # SQLite's online backup API copies a consistent snapshot while other processes write.
            with target:
                source.backup(target)
            (check,) = target.execute("PRAGMA integrity_check").fetchone()
            (bookings,) = target.execute("SELECT count(*) FROM scheduling_booking").fetchone()
        finally:
            source.close()
            target.close()
        if check != "ok":
            raise CommandError(f"The backup at {output} failed its integrity check: {check}")
        self.stdout.write(self.style.SUCCESS(f"Backed up {bookings} bookings to {output}"))
