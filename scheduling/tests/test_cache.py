"""The per-process cache: bounded in memory and age, and keyed by versions every process shares."""

import itertools
import os
import subprocess
import sys

from scheduling import cache as cache_module
from scheduling.cache import BOOKINGS, REFERENCE, CachedVersions, LocalEntries, MappedVersions
from scheduling.tests.live import PROJECT


def test_entries_are_reused_while_fresh():
    counter = itertools.count(1)
    entries = LocalEntries(seconds=60)
    assert entries.get_or_compute(("k",), lambda: next(counter)) == 1
    assert entries.get_or_compute(("k",), lambda: next(counter)) == 1


def test_entries_past_their_age_are_computed_again():
    counter = itertools.count(1)
    entries = LocalEntries(seconds=0)
    assert entries.get_or_compute(("k",), lambda: next(counter)) == 1
    assert entries.get_or_compute(("k",), lambda: next(counter)) == 2


def test_the_total_weight_stays_under_the_limit_dropping_the_least_recently_used():
    entries = LocalEntries(max_weight=100)
    for n in range(50):
        entries.get_or_compute((n,), lambda n=n: [0] * 30, weigh=len)
        assert entries.weight <= 100
    assert entries.get_or_compute((49,), lambda: "recomputed", weigh=len) != "recomputed"  # newest kept
    assert entries.get_or_compute((0,), lambda: "recomputed", weigh=len) == "recomputed"  # oldest dropped


def test_a_cached_answer_reads_neither_the_database_nor_the_shared_cache(
    client, db, django_assert_num_queries, monkeypatch, tomorrow
):
    from django.core.cache import caches

    backend, reads = caches["default"], []
    for name in ("get", "get_many"):
        real = getattr(backend, name)
        monkeypatch.setattr(backend, name, lambda *args, real=real: reads.append(args) or real(*args))
    url = f"/api/calendly/availability?date={tomorrow}&appointment_type=consultation&practitioner=clinic"
    client.get(url)
    reads.clear()
    with django_assert_num_queries(0):  # everything cached: no SQL either
        assert client.get(url).status_code == 200
    assert reads == []


def test_a_change_in_another_process_shows_here_at_once(tmp_path):
    """One host: the versions live in a file every worker maps, so a write there is seen at once."""
    here = MappedVersions(tmp_path / "versions")
    before = here.read()
    subprocess.run(
        [sys.executable, "-c", CHANGE_IN_A_CHILD, str(tmp_path / "versions"), BOOKINGS],
        check=True,
        cwd=PROJECT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "clinic_project.settings"},
    )
    after = here.read()
    assert after[BOOKINGS] != before[BOOKINGS]
    assert after[REFERENCE] == before[REFERENCE]


CHANGE_IN_A_CHILD = """
import sys
from pathlib import Path
from scheduling.cache import MappedVersions
MappedVersions(Path(sys.argv[1])).replace((sys.argv[2],))
"""


def test_across_hosts_requests_use_a_copy_of_the_versions_no_older_than_the_bound(monkeypatch):
    """Several hosts (Redis): a request may read versions up to the bound old; this process's own change,
    and anything outside a request (commands, the job worker), is seen at once."""
    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    here = CachedVersions(max_age=1.0)
    serving = cache_module._serving.set(True)
    try:
        seen = here.read()
        elsewhere = CachedVersions(max_age=1.0)  # another host, sharing the cache
        elsewhere.replace((BOOKINGS,))
        clock[0] += 0.5
        assert here.read() == seen  # within the bound: the copy
        clock[0] += 0.6
        assert here.read()[BOOKINGS] != seen[BOOKINGS]  # past it: read again
        current = here.read()
        here.replace((REFERENCE,))
        assert here.read()[REFERENCE] != current[REFERENCE]  # its own change: at once
        elsewhere.replace((BOOKINGS,))
    finally:
        cache_module._serving.reset(serving)
    assert here.read()[BOOKINGS] == elsewhere.read()[BOOKINGS]  # outside a request: always afresh


def test_the_file_cache_still_keeps_its_folder_near_its_limit(tmp_path):
    """It counts its entries only every CULL_EVERY_WRITES writes, so it may pass MAX_ENTRIES by about that many."""
    from clinic_project.file_cache import CULL_EVERY_WRITES, FileCache

    files = FileCache(str(tmp_path), {})  # Django's default limit, 300 entries
    for n in range(2000):
        files.set(f"client-{n}", [n])
        assert len(list(tmp_path.iterdir())) <= 300 + CULL_EVERY_WRITES + 1
    assert files.get("client-1999") == [1999]
