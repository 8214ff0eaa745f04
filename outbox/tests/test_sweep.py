"""One sweep covers every outbox: after Django's setup alone, as `manage.py sweep_outbox` runs, every
installed app's outbox table has its courier (each app's AppConfig.ready imports the module making it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# In a fresh interpreter: in this one, the other apps' tests have imported every module already.
LIST_OUTBOXES = """
import json
import django
django.setup()
from django.apps import apps
from outbox.courier import Courier
from outbox.models import OutboxItem
print(json.dumps({
    "tables": sorted(model._meta.label for model in apps.get_models() if issubclass(model, OutboxItem)),
    "couriers": [courier.model._meta.label for courier in Courier.every],
}))
"""


def test_every_outbox_table_has_one_courier_once_django_is_set_up():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic_project.settings"}
    result = subprocess.run(
        [sys.executable, "-c", LIST_OUTBOXES], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["tables"], "no outbox tables installed"
    assert sorted(found["couriers"]) == found["tables"]
