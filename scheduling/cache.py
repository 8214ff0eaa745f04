"""Per-process caching of what availability needs, invalidated by versions that every process shares.

Patients' apps poll availability far more often than anything changes. Each worker keeps what it computed
under the current versions of what it depends on: random tokens, one per scope:

- `REFERENCE`: appointment types (and their intake questions), practitioners, their hours, time off and
  closures (staff's edits);
- `BOOKINGS`: bookings.

Reference data depends on the first, open slots on both. A replaced token makes every worker's entries
for that scope unreachable at once; entries also expire, so even a lost replacement cannot keep stale slots
for long. An entry can also name the instant it goes stale by itself (the earliest expiry of the slot holds
it counted as busy), because a hold stops blocking when it lapses and no write announces that.
Staleness can never double-book: the database guard decides bookings.

Where the tokens live (`shared_versions`):

- one host (the file cache): a small memory-mapped file in DATA_DIR that every worker maps, so reading
  the versions is a memory read, with no system call, and a change is seen by every worker at once;
- several hosts (Redis): Redis. A worker serving requests reads them at most once per
  `CALENDAR_VERSIONS_MAX_AGE_SECONDS` (default 1), so another host's change shows within that bound; the
  worker that made a change sees it at once, and commands and job workers always read them afresh.
"""

from __future__ import annotations

import mmap
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

REFERENCE = "reference"
BOOKINGS = "bookings"
SCOPES = (REFERENCE, BOOKINGS)
# Bounded by weight (one unit per cached slot, about half a kilobyte), so a worker's memory stays flat
# however varied the queries: roughly 25 MB per worker at most.
LOCAL_WEIGHT = 50_000
LOCAL_SECONDS = 60.0
TOKEN_BYTES = 8

T = TypeVar("T")
K = TypeVar("K")
MISSING = object()

# Set while a request is served (ServingRequests): only then may versions be read from a recent copy.
_serving: ContextVar[bool] = ContextVar("serving_request", default=False)


class ServingRequests:
    """Middleware: marks the request, so its version reads may come from the worker's recent copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _serving.set(True)
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)


class MappedVersions:
    """The tokens in a file every process on the host maps into memory: one slot of TOKEN_BYTES per scope.

    The file is created once and never truncated or replaced (a process would keep mapping the old one).
    A token is written whole by one aligned store; a reader that caught a torn one only misses the cache.
    """

    def __init__(self, path: Path):
        self.path = path
        self._pid: int | None = None
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def _mapped(self) -> mmap.mmap:
        if self._pid != os.getpid():  # mapped after gunicorn forks, once per process
            with self._lock:
                if self._pid != os.getpid():
                    size = TOKEN_BYTES * len(SCOPES)
                    descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                    try:
                        if os.fstat(descriptor).st_size < size:
                            os.ftruncate(descriptor, size)  # zero tokens: as good a version as any
                        self._map = mmap.mmap(descriptor, size)
                    finally:
                        os.close(descriptor)
                    self._pid = os.getpid()
        return self._map

    def read(self) -> dict[str, bytes]:
        raw = self._mapped()[:]
        return {scope: raw[n * TOKEN_BYTES : (n + 1) * TOKEN_BYTES] for n, scope in enumerate(SCOPES)}

    def replace(self, scopes: tuple[str, ...]) -> None:
        mapped = self._mapped()
        for scope in scopes:
            offset = SCOPES.index(scope) * TOKEN_BYTES
            mapped[offset : offset + TOKEN_BYTES] = secrets.token_bytes(TOKEN_BYTES)


class CachedVersions:
    """The tokens in the shared cache (Redis across hosts), copied per process for up to `max_age` seconds
    while serving requests."""

    def __init__(self, max_age: float):
        self.max_age = max_age
        self._copy: tuple[float, dict[str, str]] | None = None

    @staticmethod
    def _key(scope: str) -> str:
        return f"scheduling:version:{scope}"

    def read(self) -> dict[str, str]:
        copy = self._copy
        if _serving.get() and copy and time.monotonic() - copy[0] < self.max_age:
            return copy[1]
        keys = {scope: self._key(scope) for scope in SCOPES}
        found = cache.get_many(list(keys.values()))
        for key in keys.values():
            if key not in found:
                cache.add(key, secrets.token_hex(8), timeout=None)
                found[key] = cache.get(key)
        current = {scope: found[key] for scope, key in keys.items()}
        self._copy = (time.monotonic(), current)
        return current

    def replace(self, scopes: tuple[str, ...]) -> None:
        new = {scope: secrets.token_hex(8) for scope in scopes}
        cache.set_many({self._key(scope): token for scope, token in new.items()}, timeout=None)
        copy = self._copy
        if copy:  # this process sees its own change at once
            self._copy = (copy[0], {**copy[1], **new})


_shared: tuple[str, MappedVersions | CachedVersions] | None = None


def shared_versions() -> MappedVersions | CachedVersions:
    """The versions' home for the configured cache: a mapped file beside a file cache (one host), else the
    cache itself. Chosen once per configuration (tests swap the cache)."""
    global _shared
    backend = settings.CACHES["default"]["BACKEND"]
    if _shared is None or _shared[0] != backend:
        if backend.endswith(("FileCache", "FileBasedCache", "LocMemCache")):
            versions = MappedVersions(Path(settings.DATA_DIR) / "calendar-versions")
        else:
            versions = CachedVersions(settings.CALENDAR_VERSIONS_MAX_AGE_SECONDS)
        _shared = (backend, versions)
    return _shared[1]


def versions(scopes: tuple[str, ...]) -> tuple:
    current = shared_versions().read()
    return tuple(current[scope] for scope in scopes)


def changed(*scopes: str) -> None:
    """Invalidate every worker's entries for `scopes` once the change is committed.

    Inside a transaction the versions are also replaced at once, so this process (and a test running in
    one transaction) never reads its own change from a stale entry; a reader that computed between the two
    from data not yet committed cached it under the first new version, which the second replaces too.
    """
    board = shared_versions()
    if transaction.get_connection().in_atomic_block:
        board.replace(scopes)
    transaction.on_commit(lambda: board.replace(scopes))


class LocalEntries:
    """A thread-safe, least-recently-used store with an age limit and a total weight, private to one
    process."""

    def __init__(self, max_weight: int = LOCAL_WEIGHT, seconds: float = LOCAL_SECONDS):
        self._entries: OrderedDict[tuple, tuple[float, int, object, float | None]] = OrderedDict()
        self._max_weight, self._seconds = max_weight, seconds
        self._weight = 0
        self._lock = threading.Lock()

    def get_or_compute(
        self,
        key: tuple,
        compute: Callable[[], T],
        weigh: Callable[[T], int] = lambda _: 1,
        stale_at: Callable[[T], float | None] = lambda _: None,
    ) -> T:
        """`stale_at(value)` may name a wall-clock time (epoch seconds) after which the value is recomputed."""
        found = self.get(key)
        if found is not MISSING:
            return found
        value = compute()
        self.put(key, value, weigh(value), stale_at(value))
        return value

    def get(self, key: tuple) -> object:
        """The fresh value under `key`, or MISSING."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return MISSING
            if time.monotonic() - found[0] < self._seconds and (found[3] is None or time.time() < found[3]):
                self._entries.move_to_end(key)
                return found[2]
            return MISSING

    def put(self, key: tuple, value: object, weight: int, stale_at: float | None = None) -> None:
        weight += 1
        with self._lock:
            self._discard(key)
            self._entries[key] = (time.monotonic(), weight, value, stale_at)
            self._weight += weight
            while self._weight > self._max_weight and len(self._entries) > 1:
                self._discard(next(iter(self._entries)))

    def _discard(self, key: tuple) -> None:
        dropped = self._entries.pop(key, None)
        if dropped:
            self._weight -= dropped[1]

    @property
    def weight(self) -> int:
        return self._weight

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0


local_entries = LocalEntries()


def cached(
    key: tuple,
    compute: Callable[[], T],
    *,
    depends_on: tuple[str, ...],
    weigh: Callable[[T], int] = lambda _: 1,
    stale_at: Callable[[T], float | None] = lambda _: None,
) -> T:
    """`compute()`, or what this process computed for `key` since anything in `depends_on` changed."""
    return local_entries.get_or_compute((*versions(depends_on), *key), compute, weigh, stale_at)


def cached_each(
    keys: list[K],
    compute_missing: Callable[[list[K]], dict[K, T]],
    *,
    depends_on: tuple[str, ...],
    weigh: Callable[[T], int] = lambda _: 1,
    stale_at: Callable[[T], float | None] = lambda _: None,
) -> dict[K, T]:
    """`cached` for many keys at once (the days of a range): those this process lacks are computed by one
    call, `compute_missing(missing keys)`, which returns a value for each (and may add others)."""
    current = versions(depends_on)
    found = {key: local_entries.get((*current, *key)) for key in keys}
    missing = [key for key, value in found.items() if value is MISSING]
    if missing:
        for key, value in compute_missing(missing).items():
            local_entries.put((*current, *key), value, weigh(value), stale_at(value))
            found[key] = value
    return found
