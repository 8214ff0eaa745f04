"""Settings for the test suite (pytest.ini): the production settings, with only what makes tests faster.

Processes the tests start (gunicorn, db_worker, manage.py) run the production settings themselves: each
has a database of its own, so no password hashed here is ever checked there, or the other way round.
"""

import os
from pathlib import Path

# The suite keeps its files (file cache, calendar versions, secret key) in a folder of its own, not in the
# one `make run` serves from: WhiteNoise indexes the static files collected there for every test client,
# which doubled the suite's time once `make run` had collected them.
os.environ.setdefault("DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from clinic_project.settings import *  # noqa: F403

# Test-only: a fast, insecure hasher so that tests run faster (each admin_user/admin_client and sign-in
# would otherwise spend a third of a second in PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
