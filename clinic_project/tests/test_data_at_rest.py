"""The database, its WAL and DATA_DIR are the service user's alone, on a fresh installation and an old one."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from clinic_project.sqlite3.base import DatabaseWrapper

PROJECT = Path(__file__).resolve().parents[2]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def own_connections(django_db_blocker):
    """These tests open connections of their own to files of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def usual_umask():
    """022, under which SQLite creates its files readable by every local user."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def opened(path: Path) -> DatabaseWrapper:
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="data-at-rest")
    wrapper.ensure_connection()
    return wrapper


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's files")
def test_a_fresh_database_and_its_wal_are_created_owner_only(tmp_path, usual_umask):
    database = tmp_path / "db.sqlite3"
    wrapper = opened(database)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE patient (name TEXT)")
            cursor.execute("INSERT INTO patient VALUES ('Ada Lovelace')")
        assert Path(f"{database}-wal").exists()  # still open: the WAL is there
        assert {mode(database), mode(f"{database}-wal"), mode(f"{database}-shm")} == {0o600}
    finally:
        wrapper.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's files")
def test_an_existing_installations_readable_files_are_narrowed(tmp_path, usual_umask):
    database = tmp_path / "db.sqlite3"
    opened(database).close()
    for path in (database, Path(f"{database}.write-lock")):
        path.touch()
        path.chmod(0o644)
    opened(database).close()
    assert mode(database) == mode(f"{database}.write-lock") == 0o600


def test_data_dir_is_created_and_kept_owner_only(tmp_path, usual_umask):
    data_dir = tmp_path / "var"
    run = [sys.executable, "-c", "import django; django.setup()"]
    env = {**os.environ, "DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "clinic_project.settings"}
    subprocess.run(run, cwd=PROJECT, env=env, check=True)
    assert mode(data_dir) == 0o700
    data_dir.chmod(0o755)  # an installation from before
    subprocess.run(run, cwd=PROJECT, env=env, check=True)
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "secret_key") == 0o600
