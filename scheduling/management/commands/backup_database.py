from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from scheduling import backups


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to a file, consistently, while the server keeps running; encrypted to "
        "BACKUP_ENCRYPTION_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="Backup file (default: DATA_DIR/backups/clinic-<timestamp>.sqlite3.age)"
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="Write the patients' data in plain text (for a disk that is itself encrypted); off by default.",
        )

    def handle(self, *args, output: Path | None, unencrypted: bool, **options):
        if connection.vendor != "sqlite":
            raise CommandError(
                "This database is PostgreSQL: back it up with pg_dump, encrypted with age, for example "
                '`pg_dump --format=custom "$DATABASE_URL" | age -r "$BACKUP_ENCRYPTION_KEY" > clinic.dump.age` '
                "(docs/operations.md#backups)."
            )
        key = settings.BACKUP_ENCRYPTION_KEY
        if not key and not unencrypted:
            raise CommandError(
                f"Set {backups.KEY_VARIABLE} to encrypt the backup ({backups.HOW_TO_MAKE_A_KEY}), or pass "
                "--unencrypted to write the patients' data in plain text."
            )
        suffix = ".sqlite3" if unencrypted else ".sqlite3.age"
        output = output or settings.DATA_DIR / "backups" / f"clinic-{timezone.now():%Y%m%d-%H%M%S}{suffix}"
        try:
            taken = backups.take(Path(settings.DATABASES["default"]["NAME"]), output, None if unencrypted else key)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        how = "encrypted" if taken.encrypted else "NOT encrypted"
        self.stdout.write(self.style.SUCCESS(f"Backed up {taken.bookings} bookings to {taken.path} ({how})"))
