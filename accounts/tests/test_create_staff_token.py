"""`manage.py create_staff_token USERNAME [--name] [--days]`: the key alone on stdout, once; clear errors."""

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import StaffToken
from scheduling.tests.staff import staff_member

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


def create_staff_token(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_staff_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def desk(db):
    return staff_member("desk", "scheduling.view_booking", "scheduling.view_every_practitioner")


def test_it_prints_the_key_alone_and_the_key_opens_the_staff_api(api, desk):
    out, err = create_staff_token("desk", "--name", "Nightly export", "--days", "30")
    key = out.strip()
    assert out == key + "\n" and key.startswith("clinic_")
    assert "Nightly export" in err and key not in err
    token = StaffToken.objects.get()
    assert (token.user, token.name) == (desk, "Nightly export")
    assert token.expiry - timezone.now() == pytest.approx(timedelta(days=30), abs=timedelta(minutes=1))
    assert key not in (token.digest, token.token_key)
    assert api.get("/api/calendly/bookings", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_without_options_it_names_the_token_and_lasts_staff_token_days(desk, settings):
    settings.STAFF_TOKEN_DAYS = 10
    create_staff_token("desk")
    token = StaffToken.objects.get()
    assert token.name.startswith("Command line ")
    assert token.expiry - timezone.now() == pytest.approx(timedelta(days=10), abs=timedelta(minutes=1))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nobody"], "No user named 'nobody'"),
        (["patient"], "not an active staff member"),
        (["gone"], "not an active staff member"),
        (["desk", "--days", "0"], "from 1 to 365 days"),
        (["desk", "--days", "366"], "from 1 to 365 days"),
        (["desk", "--name", ""], "cannot be blank"),
        (["desk", "--name", "x" * 101], "at most 100 characters"),
    ],
)
def test_what_it_refuses_it_says_why_and_issues_nothing(desk, args, says):
    User.objects.create_user("patient")
    User.objects.create_user("gone", is_staff=True, is_active=False)
    with pytest.raises(CommandError, match=says):
        create_staff_token(*args)
    assert not StaffToken.objects.exists()


def test_a_name_the_user_already_has_is_refused(desk):
    create_staff_token("desk", "--name", "Nightly export")
    with pytest.raises(CommandError, match="already has a token with this name"):
        create_staff_token("desk", "--name", "Nightly export")
    assert StaffToken.objects.count() == 1


@pytest.mark.live_server_process  # real processes (a migrate among them): slow
def test_from_the_shell_stdout_is_the_key_and_errors_exit_non_zero(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DATA_DIR": str(tmp_path), "PATH": "/usr/bin"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT, env=env, check=True)
    make_desk = "from django.contrib.auth.models import User; User.objects.create_superuser('desk')"
    subprocess.run([*manage, "shell", "-c", make_desk], cwd=PROJECT, env=env, check=True)

    def create_staff_token_in_a_shell(username):
        return subprocess.run(
            [*manage, "create_staff_token", username], cwd=PROJECT, env=env, capture_output=True, text=True
        )

    issued = create_staff_token_in_a_shell("desk")
    assert issued.returncode == 0
    assert len(issued.stdout.splitlines()) == 1 and issued.stdout.startswith("clinic_")
    refused = create_staff_token_in_a_shell("nobody")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "No user named 'nobody'" in refused.stderr
