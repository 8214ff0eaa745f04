"""Django's SQLite backend, with the processes of one host taking turns to write through a file lock.

SQLite lets one transaction write at a time. Every transaction here starts with BEGIN IMMEDIATE (see
settings), and a process that finds the database locked sleeps and retries on SQLite's own schedule
(1 ms, 2 ms, 5 ms, ... up to 100 ms), while the lock may have been free long before. Under load the
workers then spend more time asleep than writing. Waiting for an exclusive `flock` on a file beside the
database first puts the waiting writers in the kernel's queue instead: each starts the moment the one
before it ends. SQLite's own locking still guards the database against anything that skips this lock.

The lock is held from BEGIN to COMMIT or ROLLBACK, and the kernel drops it if the process dies.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock_file: int | None = None  # a descriptor of the lock file, opened once per connection
        self._writing = False

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
