from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from scheduling import backups


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup, decrypted with BACKUP_ENCRYPTION_KEY (the secret key). "
        "Stop the server first."
    )
    requires_system_checks = []  # nothing but the files is touched

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="A file backup_database wrote.")

    def handle(self, *args, backup: Path, **options):
        if connection.vendor != "sqlite":
            raise CommandError("This database is PostgreSQL: restore it with pg_restore (docs/operations.md#backups).")
        database = Path(settings.DATABASES["default"]["NAME"])
        try:
            bookings, moved = backups.restore(backup, database, settings.BACKUP_ENCRYPTION_KEY or None)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        for aside in moved:
            self.stdout.write(f"Moved the replaced {aside.name} aside (delete it once the restore is checked).")
        self.stdout.write(self.style.SUCCESS(f"Restored {bookings} bookings into {database}"))
