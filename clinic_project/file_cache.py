"""Django's file cache, for one host with no cache server: the throttles' counters and the idempotency keys."""

from __future__ import annotations

import itertools

from django.core.cache.backends.filebased import FileBasedCache

# Django counts the entries by listing the whole folder before every write; once in this many writes is
# enough to keep the folder near MAX_ENTRIES (each client address throttled is one entry).
CULL_EVERY_WRITES = 64


class FileCache(FileBasedCache):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writes = itertools.count(1)

    def _cull(self):
        if next(self._writes) % CULL_EVERY_WRITES == 0:
            super()._cull()
