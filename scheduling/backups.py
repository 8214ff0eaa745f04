"""Backups of the SQLite database, encrypted with age (https://age-encryption.org), and their restore.

A backup is a consistent snapshot taken with SQLite's online backup API while the server keeps writing, then
streamed through age (X25519, ChaCha20-Poly1305 in 64 KiB chunks, so a database of gigabytes never sits in
memory) into a file only the service's user can read. The key is one environment variable,
BACKUP_ENCRYPTION_KEY, in either of age's two forms:

- a public key (`age1...`): backups can be written, but not read, on this host. A stolen server then holds
  no key to the backups kept elsewhere; restoring takes the secret key, brought for the occasion.
- a secret key (`AGE-SECRET-KEY-1...`): backups are written and restored here.

Operators can also decrypt a backup with the `age` command-line tool: `age -d -i key.txt backup.sqlite3.age`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
from pyrage import x25519

AGE_HEADER = b"age-encryption.org/v1\n"
SQLITE_HEADER = b"SQLite format 3\x00"
OWNER_ONLY = 0o600
KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY"
HOW_TO_MAKE_A_KEY = "generate one with `age-keygen` (see docs/operations.md#backups)"


class BackupError(Exception):
    """What went wrong, said so that an operator knows what to do."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    bookings: int
    encrypted: bool


def recipient(key: str) -> x25519.Recipient:
    """Whom backups are encrypted to: the public key itself, or the public half of a secret key."""
    key = key.strip()
    try:
        if key.upper().startswith("AGE-SECRET-KEY-"):
            return x25519.Identity.from_str(key.upper()).to_public()
        return x25519.Recipient.from_str(key)
    except (pyrage.IdentityError, pyrage.RecipientError):
        raise BackupError(
            f"{KEY_VARIABLE} is neither an age public key (age1...) nor an age secret key "
            f"(AGE-SECRET-KEY-1...); {HOW_TO_MAKE_A_KEY}."
        ) from None


def identity(key: str) -> x25519.Identity:
    key = key.strip()
    if key.startswith("age1"):
        raise BackupError(
            f"{KEY_VARIABLE} holds the public key, which encrypts backups but cannot decrypt them: set it to the "
            "secret key (AGE-SECRET-KEY-1...) for the restore."
        )
    try:
        return x25519.Identity.from_str(key.upper())
    except pyrage.IdentityError:
        raise BackupError(f"{KEY_VARIABLE} is not an age secret key (AGE-SECRET-KEY-1...).") from None


def take(database: Path, output: Path, key: str | None) -> Snapshot:
    """A checked snapshot of `database` at `output` (never overwritten), encrypted to `key`; None: plaintext."""
    to = recipient(key) if key is not None else None
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _created(output) as target, _private_temporary(output.parent) as copy:
        bookings = _snapshot(database, copy)
        with copy.open("rb") as source:
            if to is None:
                while chunk := source.read(1 << 20):
                    target.write(chunk)
            else:
                pyrage.encrypt_io(source, target, [to])
        target.flush()
        os.fsync(target.fileno())
    return Snapshot(output, bookings, encrypted=to is not None)


def restore(backup: Path, database: Path, key: str | None) -> tuple[int, list[Path]]:
    """Put the database in `backup` in place of `database`; returns its bookings and where the files it
    replaced were moved (nothing is deleted). The server must be stopped."""
    with backup.open("rb") as source:
        header = source.read(len(AGE_HEADER))
    if header != AGE_HEADER and not header.startswith(SQLITE_HEADER):
        raise BackupError(f"{backup} is neither an age-encrypted backup nor a SQLite database.")
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _private_temporary(database.parent) as copy:
        if header == AGE_HEADER:
            if key is None:
                raise BackupError(f"{backup} is encrypted: set {KEY_VARIABLE} to the secret key it was made for.")
            who = identity(key)
            with backup.open("rb") as source, copy.open("wb") as target:
                try:
                    pyrage.decrypt_io(source, target, [who])
                except pyrage.DecryptError as error:
                    raise BackupError(
                        f"{backup} cannot be decrypted with the key in {KEY_VARIABLE}: it was made for another "
                        f"key, or it is damaged ({error})."
                    ) from None
        else:
            with backup.open("rb") as source, copy.open("wb") as target:
                while chunk := source.read(1 << 20):
                    target.write(chunk)
        bookings = _checked(copy)
        moved = _moved_aside(database)
        os.replace(copy, database)
    return bookings, moved


def _snapshot(database: Path, copy: Path) -> int:
    source = sqlite3.connect(database)
    target = sqlite3.connect(copy)
    try:
        # SQLite's online backup API copies a consistent snapshot while other processes write.
        with target:
            source.backup(target)
        # Into one file with no -wal beside it, so the snapshot is whole once copied or encrypted.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        target.close()
    return _checked(copy)


def _checked(path: Path) -> int:
    """The number of bookings in the database at `path`, after SQLite found it whole."""
    db = sqlite3.connect(path)
    try:
        (check,) = db.execute("PRAGMA integrity_check").fetchone()
        if check != "ok":
            raise BackupError(f"The database failed its integrity check: {check}")
        (bookings,) = db.execute("SELECT count(*) FROM scheduling_booking").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"This is not a clinic database: {error}") from None
    finally:
        db.close()
    return bookings


def _moved_aside(database: Path) -> list[Path]:
    """The database and its -wal and -shm, renamed together: a -wal left beside another database would be
    replayed into it and corrupt it."""
    stamp = 1
    while any(Path(f"{database}{suffix}.replaced-{stamp}").exists() for suffix in ("", "-wal", "-shm")):
        stamp += 1
    moved = []
    for suffix in ("", "-wal", "-shm"):
        current = Path(f"{database}{suffix}")
        if current.exists():
            aside = Path(f"{current}.replaced-{stamp}")
            current.rename(aside)
            moved.append(aside)
    return moved


@contextlib.contextmanager
def _private_temporary(folder: Path):
    """A file only this user can read, beside where the result goes, removed whatever happens."""
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=".clinic-", suffix=".sqlite3")
    os.close(descriptor)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        Path(f"{path}-journal").unlink(missing_ok=True)


@contextlib.contextmanager
def _created(path: Path):
    """`path` opened for writing, created owner-only; refused if it exists, and removed if writing fails."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another file.") from None
    try:
        with os.fdopen(descriptor, "wb") as target:
            yield target
    except BaseException:
        path.unlink(missing_ok=True)
        raise
