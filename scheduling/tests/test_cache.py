"""The per-process cache: bounded in memory and age, and keyed by versions every process shares."""

import itertools

from scheduling.cache import LocalEntries


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


def test_one_request_reads_the_shared_versions_once(client, db, django_assert_num_queries, monkeypatch, tomorrow):
    from django.core.cache import caches

    backend, reads = caches["default"], []
    real_get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: reads.append(keys) or real_get_many(keys))
    url = f"/api/calendly/availability?date={tomorrow}&appointment_type=consultation&practitioner=clinic"
    client.get(url)
    reads.clear()
    with django_assert_num_queries(0):  # everything cached: no SQL either
        assert client.get(url).status_code == 200
    assert len(reads) == 1
