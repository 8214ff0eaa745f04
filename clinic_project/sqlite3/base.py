"""Django's SQLite backend, with the processes of one host taking turns to write through a file lock.

SQLite lets one transaction write at a time. Every transaction here starts with BEGIN IMMEDIATE (see
settings), and a process that finds the database locked sleeps and retries on SQLite's own schedule
(1 ms, 2 ms, 5 ms, ... up to 100 ms), while the lock may have been free long before. Under load the
workers then spend more time asleep than writing. Waiting for an exclusive `flock` on a file beside the
database first puts the waiting writers in the kernel's queue instead: each starts the moment the one
before it ends. SQLite's own locking still guards the database against anything that skips this lock.

The lock is held from BEGIN to COMMIT or ROLLBACK, and the kernel drops it if the process dies.

A migration that alters a table makes SQLite copy it to a new one, drop the old and rename the copy
(DatabaseSchemaEditor below): the database guards' triggers on other tables that read it stay valid.

The database holds patients' details, so only the service's own user may read it: the file is created mode
0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's mode), and the files of
an installation made before this are narrowed to 0600 when a connection opens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat

from django.db.backends.sqlite3 import base, schema

OWNER_ONLY = 0o600
# The database and the files SQLite and this backend keep beside it.
COMPANIONS = ("", "-wal", "-shm", "-journal", ".write-lock")


def keep_private(database: str) -> None:
    """Create the database file owner-only if it does not exist yet, and narrow any of its files that other
    users may read or write."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    for path in (f"{database}{suffix}" for suffix in COMPANIONS):
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & OWNER_ONLY)


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=None):
        # Since 3.26 SQLite checks every trigger when a table is renamed, and the guards' triggers on other
        # tables read this one (a session's seats count its bookings, a booking's status reaches its claims):
        # between dropping the old table and renaming the copy they name a table that is gone, and the rename
        # fails ("error in trigger session_seats_capacity: no such table"). The copy takes the old name, so
        # nothing needs rewriting: the rename is done as before 3.26. (Triggers on the table itself are
        # dropped with it; the post-migrate handler puts them back: scheduling.apps.reinstall_guards.)
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA legacy_alter_table")
            (legacy,) = cursor.fetchone()
            cursor.execute("PRAGMA legacy_alter_table = ON")
        try:
            super()._remake_table(
                model, create_field=create_field, delete_field=delete_field, alter_fields=alter_fields
            )
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA legacy_alter_table = {'ON' if legacy else 'OFF'}")


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock_file: int | None = None  # a descriptor of the lock file, opened once per connection
        self._writing = False

    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            keep_private(conn_params["database"])
        return super().get_new_connection(conn_params)

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            if self._lock_file is None:
                self._lock_file = os.open(f"{self.settings_dict['NAME']}.write-lock", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            self._writing = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _end_turn(self) -> None:
        if self._writing:
            self._writing = False
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()
            if self._lock_file is not None:
                os.close(self._lock_file)
                self._lock_file = None
