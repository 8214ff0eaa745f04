"""What the migrations put in a new database, put back after a test that commits (and so empties the
database when it ends): the prototype's clinic, the staff roles and their permissions, and the guards.
Made by the migrations' own functions, so the two cannot drift apart."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection

from scheduling import guards

# (migration module, function) in the order the migrations run them.
DATA_MIGRATIONS = [
    ("scheduling.migrations.0003_prototype_clinic", "create_clinic"),
    ("accounts.migrations.0002_roles", "make_roles"),
    ("accounts.migrations.0003_calendar_managers_book_off_grid", "let_managers_book_off_grid"),
    ("accounts.migrations.0004_reports_view_reports", "give"),
    ("accounts.migrations.0005_admin_resources", "give"),
    ("accounts.migrations.0006_intake_questions", "give"),
]


def create_prototype_clinic() -> None:
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


def put_back() -> None:
    """The database as the migrations left it, after a committing test emptied it."""
    guards.install_all(connection)
    create_prototype_clinic()
