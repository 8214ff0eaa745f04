"""Backups are encrypted with age to the key in the environment, only their owner can read them, and they
restore; a wrong key or none is a clear error, never a plaintext file by accident."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from pyrage import x25519

from scheduling import backups

SECRET = x25519.Identity.generate()
OTHER = x25519.Identity.generate()


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "live" / "db.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE scheduling_booking (id INTEGER PRIMARY KEY, patient_name TEXT)")
        db.executemany("INSERT INTO scheduling_booking (patient_name) VALUES (?)", [("Ada Lovelace",), ("Mary Jones",)])
    return path


def names(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT patient_name FROM scheduling_booking ORDER BY id")]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_encrypted_backup_is_not_readable_sqlite_is_owner_only_and_restores(database, tmp_path):
    os.umask(0o022)  # the usual umask, under which files are created world-readable
    backup = tmp_path / "backups" / "clinic.sqlite3.age"
    taken = backups.take(database, backup, str(SECRET.to_public()))
    assert taken.bookings == 2 and taken.encrypted
    content = backup.read_bytes()
    assert content.startswith(b"age-encryption.org/v1\n")
    assert b"SQLite format 3" not in content and b"Ada Lovelace" not in content
    assert mode(backup) == 0o600
    assert not [path for path in backup.parent.iterdir() if path != backup]  # no plaintext left beside it

    restored = tmp_path / "restored" / "db.sqlite3"
    bookings, moved = backups.restore(backup, restored, str(SECRET))
    assert (bookings, moved) == (2, [])
    assert names(restored) == ["Ada Lovelace", "Mary Jones"]
    assert mode(restored) == 0o600


def test_restoring_moves_the_replaced_database_and_its_wal_aside_together(database, tmp_path):
    backup = tmp_path / "clinic.sqlite3.age"
    backups.take(database, backup, str(SECRET))  # a secret key encrypts to its own public half
    Path(f"{database}-wal").write_bytes(b"frames of the replaced database")
    Path(f"{database}-shm").write_bytes(b"")
    bookings, moved = backups.restore(backup, database, str(SECRET))
    assert bookings == 2
    assert sorted(path.name for path in moved) == [
        "db.sqlite3-shm.replaced-1",
        "db.sqlite3-wal.replaced-1",
        "db.sqlite3.replaced-1",
    ]
    assert not Path(f"{database}-wal").exists()
    assert names(database) == ["Ada Lovelace", "Mary Jones"]


def test_a_wrong_key_is_a_clear_error_and_changes_nothing(database, tmp_path):
    backup = tmp_path / "clinic.sqlite3.age"
    backups.take(database, backup, str(SECRET.to_public()))
    target = tmp_path / "restored" / "db.sqlite3"
    with pytest.raises(backups.BackupError, match="cannot be decrypted with the key in BACKUP_ENCRYPTION_KEY"):
        backups.restore(backup, target, str(OTHER))
    with pytest.raises(backups.BackupError, match="holds the public key"):
        backups.restore(backup, target, str(SECRET.to_public()))
    with pytest.raises(backups.BackupError, match="is encrypted: set BACKUP_ENCRYPTION_KEY"):
        backups.restore(backup, target, None)
    assert not target.exists()
    assert [path.name for path in target.parent.iterdir()] == []


def test_a_key_of_the_wrong_shape_is_refused_before_anything_is_written(database, tmp_path):
    with pytest.raises(backups.BackupError, match="neither an age public key"):
        backups.take(database, tmp_path / "clinic.sqlite3.age", "hunter2")
    assert not (tmp_path / "clinic.sqlite3.age").exists()


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "clinic_project.sqlite3",
    reason="the command backs up SQLite; on PostgreSQL it points at pg_dump and age instead",
)
def test_the_command_refuses_a_plaintext_backup_unless_asked(settings, database, tmp_path):
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="Set BACKUP_ENCRYPTION_KEY to encrypt the backup"):
        call_command("backup_database", "--output", str(tmp_path / "plain.sqlite3"))
    assert not (tmp_path / "plain.sqlite3").exists()
    backups.take(database, tmp_path / "plain.sqlite3", None)  # what --unencrypted does
    assert (tmp_path / "plain.sqlite3").read_bytes().startswith(b"SQLite format 3\x00")
    assert mode(tmp_path / "plain.sqlite3") == 0o600
