"""The staff login command `make run` prints works when copied as it is: with the data folder the server
uses, so createsuperuser writes into that database rather than fail on an empty ./var."""

from __future__ import annotations

import os
import re
import subprocess

from scheduling.tests.live import PROJECT


def login_hint(**env) -> str:
    shown = subprocess.run(
        ["make", "--dry-run", "run"],
        cwd=PROJECT,
        env={**{k: v for k, v in os.environ.items() if k != "DATA_DIR"}, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.search(r"Staff login: (.*?), then sign in", shown).group(1)


def test_the_login_command_names_the_data_folder_the_server_uses(tmp_path):
    assert (
        login_hint(DATA_DIR=str(tmp_path), PORT="8765")
        == f"DATA_DIR={tmp_path} .venv/bin/python manage.py createsuperuser"
    )


def test_without_a_data_folder_the_login_command_is_the_plain_one():
    assert login_hint() == ".venv/bin/python manage.py createsuperuser"


def test_the_demo_runs_on_londons_clock_unless_told_otherwise():
    def zone(*arguments, **env) -> str:
        asked = {**{k: v for k, v in os.environ.items() if k != "CLINIC_TIME_ZONE"}, **env}
        variables = subprocess.run(
            ["make", "--dry-run", "--print-data-base", "run", *arguments],
            cwd=PROJECT,
            env=asked,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = re.search(r"^CLINIC_TIME_ZONE = (.*)$", variables, re.M)
        return found and found.group(1)

    assert zone("DEMO=clinic") == "Europe/London"
    assert zone("DEMO=clinic", CLINIC_TIME_ZONE="Europe/Dublin") == "Europe/Dublin"
    assert zone() is None  # the prototype's clinic: the server's default
