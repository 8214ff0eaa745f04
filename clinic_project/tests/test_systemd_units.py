"""The systemd units in deploy/systemd/ load without a warning (`systemd-analyze verify`), are rated
well hardened (`systemd-analyze security`), restart whatever happens, and run the very commands `make
run` runs under supervisord.

systemd-analyze verify checks that each ExecStart binary exists, so the units are rendered with this
checkout in place of /srv/clinic: the virtualenv's gunicorn and python are then the real ones."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = ["clinic-web.service", "clinic-worker.service", "clinic-sweeper.service", "clinic-purger.service"]
INSTALLED_AT = "/srv/clinic"
ENVIRONMENT_FILE = "/etc/clinic/clinic.env"
# `systemd-analyze security` rates exposure from 0 (locked down) to 10; 2 and under is "OK".
EXPOSURE_AT_MOST = 2.0


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing (Debian's systemd package)")
        pytest.skip("systemd-analyze is missing (Debian's systemd package)")
    return found


def rendered(folder: Path, edit=lambda name, text: text) -> list[Path]:
    """Every unit, with this checkout's paths for the installed ones, written to `folder`."""
    (folder / "clinic.env").write_text("")
    units = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace(INSTALLED_AT, str(ROOT)).replace(ENVIRONMENT_FILE, str(folder / "clinic.env"))
        units.append(folder / unit.name)
        units[-1].write_text(edit(unit.name, text))
    return units


def problems(systemd_analyze: str, units: list[Path]) -> str:
    """What `systemd-analyze verify` says of the units; it exits 0 on many faults it reports, so any
    output counts."""
    result = subprocess.run(
        [systemd_analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True, cwd=units[0].parent
    )
    return (result.stdout + result.stderr).strip() or ("" if result.returncode == 0 else f"exit {result.returncode}")


def service_section(unit: str) -> dict[str, list[str]]:
    """[Service] settings of a unit: each key with every value it is given (systemd allows repeats)."""
    settings: dict[str, list[str]] = {}
    section = None
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_units_load_without_a_warning(tmp_path, systemd_analyze):
    units = rendered(tmp_path)
    assert {unit.name for unit in units} == {*SERVICES, "clinic.target"}
    assert problems(systemd_analyze, units) == ""


@pytest.mark.parametrize(
    ("broken", "edit"),
    [
        ("a misspelt setting", lambda name, text: text.replace("Restart=always", "Restrat=always")),
        ("a wrong value", lambda name, text: text.replace("KillMode=mixed", "KillMode=gently")),
        ("a missing program", lambda name, text: text.replace("/.venv/bin/", "/.venv/no-bin/")),
    ],
)
def test_verification_fails_on_a_broken_unit(tmp_path, systemd_analyze, broken, edit):
    assert problems(systemd_analyze, rendered(tmp_path, edit)) != "", f"{broken} went unnoticed"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_rated_well_hardened(tmp_path, systemd_analyze, service):
    unit = next(unit for unit in rendered(tmp_path) if unit.name == service)
    result = subprocess.run(
        [systemd_analyze, "security", "--offline=yes", "--no-pager", str(unit)], capture_output=True, text=True
    )
    [exposure] = re.findall(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert float(exposure) <= EXPOSURE_AT_MOST, result.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_restarts_whatever_happens_as_its_own_user_with_the_settings_file(service):
    settings = service_section(service)
    assert settings["Restart"] == ["always"]
    assert settings["User"] == ["clinic"]
    assert settings["EnvironmentFile"] == [ENVIRONMENT_FILE]
    assert settings["UMask"] == ["0077"]
    assert settings["ReadWritePaths"] == ["/var/lib/clinic"]
    assert "DATA_DIR=/var/lib/clinic" in settings["Environment"]


def supervised_commands() -> dict[str, str]:
    config = configparser.RawConfigParser(inline_comment_prefixes=(";",))
    config.read(ROOT / "deploy" / "supervisord.conf")
    return {
        section.removeprefix("program:"): config[section]["command"]
        for section in config.sections()
        if section.startswith("program:")
    }


def test_the_services_run_the_commands_make_run_runs():
    in_units = {
        service.removeprefix("clinic-").removesuffix(".service"): service_section(service)["ExecStart"][0].removeprefix(
            f"{INSTALLED_AT}/.venv/bin/"
        )
        for service in SERVICES
    }
    assert in_units == supervised_commands()
