"""Playwright (pytest-playwright) driving Debian's Chromium against the app served by pytest-django's
live server. Never a browser download: `make test` installs the `chromium` package when it is missing
(bin/ensure-chromium).

Playwright's synchronous API keeps an event loop running in the test's thread, and Django's ORM refuses to
run beside one. So Playwright lives only as long as this package's tests (the fixtures below override
pytest-playwright's session-wide ones), and only meanwhile may the ORM run in that thread.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import sync_playwright

from scheduling import guards
from scheduling.tests import migrated_world

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the networking flags Chromium keeps calling Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package", autouse=True)
def orm_beside_playwright():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def playwright(orm_beside_playwright):
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="package")
def browser_type(playwright):
    return playwright.chromium


@pytest.fixture(scope="package")
def browser_type_launch_args():
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM}: `bin/ensure-chromium` installs it (`make test` does).")
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="package")
def launch_browser(browser_type, browser_type_launch_args):
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="package")
def browser(launch_browser):
    started = launch_browser()
    yield started
    started.close()


@pytest.fixture(scope="package")
def browser_context_args():
    return {"locale": "en-GB"}


@pytest.fixture(scope="package")
def database_as_migrated(django_db_setup, django_db_blocker):
    """These tests commit, so the database is emptied after each one. Once they are over, it is put back as
    the migrations left it for the tests that run after them."""
    yield
    with django_db_blocker.unblock():
        migrated_world.put_back()


@pytest.fixture
def prototype_clinic(transactional_db):
    migrated_world.create_prototype_clinic()


@pytest.fixture
def site(database_as_migrated, live_server, prototype_clinic, clinic) -> str:
    """The live server's address."""
    guards.install_all(connection)
    yield live_server.url
    # Emptying deletes every row, and booking history and the log of reads refuse deletes: their guards
    # step aside until the next test (or the end of these tests) puts them back.
    guards.remove_append_only_guard(connection)
    guards.remove_read_log_guard(connection)
