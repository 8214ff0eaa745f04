"""Per-process caching of what availability needs, invalidated by versions that every host shares.

Patients' apps poll availability far more often than anything changes. Each worker keeps what it computed
under the current versions of what it depends on: random tokens in the shared cache (a file cache on one
host, Redis across hosts), one per scope:

- `REFERENCE`: appointment types, practitioners, their hours, time off and closures (staff's edits);
- `BOOKINGS`: bookings.

Reference data depends on the first, open slots on both. A replaced token makes every worker's entries
for that scope unreachable at once; entries also expire, so even a lost replacement cannot keep stale slots
for long. An entry can also name the instant it goes stale by itself (the earliest expiry of the slot holds
it counted as busy), because a hold stops blocking when it lapses and no write announces that.
Staleness can never double-book: the database guard decides bookings.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

REFERENCE = "reference"
BOOKINGS = "bookings"
# Bounded by weight (one unit per cached slot, about half a kilobyte), so a worker's memory stays flat
# however varied the queries: roughly 25 MB per worker at most.
LOCAL_WEIGHT = 50_000
LOCAL_SECONDS = 60.0

T = TypeVar("T")


def _version_key(scope: str) -> str:
    return f"scheduling:version:{scope}"


SCOPES = (REFERENCE, BOOKINGS)
# Within one request the versions are read once (one shared-cache round trip), not once per lookup.
_request_versions: ContextVar[dict[str, str] | None] = ContextVar("calendar_versions", default=None)


class VersionsPerRequest:
    """Middleware: each request reads the shared versions at most once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(token)


def _read_versions() -> dict[str, str]:
    keys = {scope: _version_key(scope) for scope in SCOPES}
    found = cache.get_many(list(keys.values()))
    for key in keys.values():
        if key not in found:
            cache.add(key, secrets.token_hex(8), timeout=None)
            found[key] = cache.get(key)
    return {scope: found[key] for scope, key in keys.items()}


def versions(scopes: tuple[str, ...]) -> tuple[str, ...]:
    memo = _request_versions.get()
    if memo is None:  # outside a request (shell, commands): always fresh
        current = _read_versions()
    else:
        if not memo:
            memo.update(_read_versions())
        current = memo
    return tuple(current[scope] for scope in scopes)


def _replace_version(scopes: tuple[str, ...]) -> None:
    cache.set_many({_version_key(scope): secrets.token_hex(8) for scope in scopes}, timeout=None)
    memo = _request_versions.get()
    if memo:
        memo.clear()  # this request changed something: read the new versions next time


def changed(*scopes: str) -> None:
    """Invalidate every worker's entries for `scopes` once the change is committed.

    Inside a transaction the versions are also replaced at once, so this process (and a test running in
    one transaction) never reads its own change from a stale entry; a reader that computed between the two
    from data not yet committed cached it under the first new version, which the second replaces too.
    """
    if transaction.get_connection().in_atomic_block:
        _replace_version(scopes)
    transaction.on_commit(lambda: _replace_version(scopes))


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
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found and now - found[0] < self._seconds and (found[3] is None or time.time() < found[3]):
                self._entries.move_to_end(key)
                return found[2]
        value = compute()
        weight = 1 + weigh(value)
        with self._lock:
            self._discard(key)
            self._entries[key] = (now, weight, value, stale_at(value))
            self._weight += weight
            while self._weight > self._max_weight and len(self._entries) > 1:
                self._discard(next(iter(self._entries)))
        return value

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
