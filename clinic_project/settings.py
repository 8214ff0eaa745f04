"""Settings for the clinic scheduling service; every knob is read from the environment (docs/operations.md)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

from clinic_project.email_url import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def private_folder(path: Path) -> Path:
    """DATA_DIR holds the database, its backups and the secret key: only the service's own user may open it,
    made so if it was not (docs/security.md#data-at-rest)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = path.stat()
    if found.st_uid == os.getuid() and found.st_mode & 0o077:
        path.chmod(0o700)
    return path


DATA_DIR = private_folder(Path(env("DATA_DIR", default=str(BASE_DIR / "var"))))


def local_secret_key(data_dir: Path) -> str:
    """A key generated once per installation and kept beside the data, so no clone shares it."""
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default=None) or local_secret_key(DATA_DIR)
# Earlier keys whose signatures (patients' manage links among them) still verify after a key change.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "scheduling",  # first, so its admin templates (the day-schedule link) override the stock ones
    "clinic_project.admin_site.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "accounts",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules",  # object permissions (scheduling/roles.py)
    "axes",  # failed sign-ins: the lockout and their history (accounts/lockout.py)
    "django_otp",  # the admin's second step (accounts/mfa/)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "rest_framework",
    "knox",  # staff API tokens as digests; the model is accounts.StaffToken
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "outbox",  # what every outbox shares, abstract: no tables
    "notifications",  # after scheduling: it adds each booking's messages to the bookings admin
    "webhooks",
    "waitlist",
    "django_htmx",
    "booking_page",
]

MIDDLEWARE = [
    "clinic_project.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the two above: a staff session past its time is signed out (with a message) before anything
    # reads the user; then one that still owes the second step counts as staff nowhere but that step.
    "accounts.sessions.StaffSessionTimeouts",
    "django_otp.middleware.OTPMiddleware",
    "accounts.mfa.middleware.SecondStepRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "scheduling.cache.ServingRequests",
    "clinic_project.middleware.DatabaseBusyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into its page
]

ROOT_URLCONF = "clinic_project.urls"
WSGI_APPLICATION = "clinic_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # A clinic overrides any template (its e-mails, say) by putting its own copy under this folder.
        "DIRS": [Path(env("TEMPLATE_OVERRIDES_DIR", default=str(DATA_DIR / "templates")))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default. Several gunicorn workers write to it at once, so: WAL lets readers
# run beside the writer, IMMEDIATE transactions take the write lock up front (no deadlock on lock
# upgrade), the busy timeout makes writers queue instead of failing, and synchronous=FULL makes every
# confirmed booking survive a power cut.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
SQLITE_BUSY_TIMEOUT_SECONDS = env.float("SQLITE_BUSY_TIMEOUT_SECONDS", default=20.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with this host's writers queueing for their turn (see clinic_project/sqlite3).
    DATABASES["default"]["ENGINE"] = "clinic_project.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA mmap_size=1073741824;",
        }
    )
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
# Keep each worker's connection: opening one costs more than a whole booking's queries.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Each of gunicorn's threads would keep a connection of its own: processes x threads could pass the
    # server's max_connections. One pool per process caps them; a thread waits for a free connection.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_SIZE", default=8),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The age key backups are encrypted to: its public half (age1...) to write them, the secret (AGE-SECRET-KEY-1...)
# to restore them (scheduling/backups.py).
BACKUP_ENCRYPTION_KEY = env("BACKUP_ENCRYPTION_KEY", default="")

# Counters for throttling must be shared by every worker: a file cache on one host, Redis for several.
REDIS_URL = env("REDIS_URL", default=None)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "clinic_project.file_cache.FileCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# Across hosts (Redis), how old a worker's copy of the calendar versions may be while it serves requests:
# another host's booking stops being offered within this many seconds (see scheduling/cache.py).
CALENDAR_VERSIONS_MAX_AGE_SECONDS = env.float("CALENDAR_VERSIONS_MAX_AGE_SECONDS", default=1.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The clinic's own IANA zone: wall-clock times in the API and admin are in it; instants are stored in UTC.
TIME_ZONE = env("CLINIC_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# One date and time format everywhere staff look, 24-hour (clinic_project/formats/en/formats.py).
FORMAT_MODULE_PATH = ["clinic_project.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["scheduling.api.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "scheduling.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "booking": env("THROTTLE_BOOKING_RATE", default="60/minute"),
        "manage": env("THROTTLE_MANAGE_RATE", default="120/minute"),
        # Typing a booking code read out on the phone (/manage/code/), per client address: a patient needs a
        # try or two; 8 characters of base32 are 40 bits, so this many tries an hour find nothing by guessing.
        "manage_code": env("THROTTLE_MANAGE_CODE_RATE", default="10/hour"),
        # Per client address, so nobody can hold a whole day: with holds lasting HOLD_MINUTES, a client
        # keeps at most this many slots an hour.
        "hold": env("THROTTLE_HOLD_RATE", default="20/hour"),
        # Joining the waitlist, per client address: a patient joins once or twice, a script many times.
        "waitlist": env("THROTTLE_WAITLIST_RATE", default="20/hour"),
    },
}
# Staff API tokens (accounts/): django-rest-knox keeps a SHA-512 digest of each key, never the key. Keys
# start with a prefix so a leaked one is recognisable (secret scanners, logs); each token expires.
KNOX_TOKEN_MODEL = "accounts.StaffToken"
STAFF_TOKEN_DAYS = env.int("STAFF_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_PREFIX": "clinic_",
    "TOKEN_TTL": timedelta(days=STAFF_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # as DRF's tokens were sent, so scripts keep their header
}
# knox's own AuthToken is swapped out for accounts.StaffToken: its migrations would only make an empty table.
MIGRATION_MODULES = {"knox": None}
# How many proxies of the clinic's own stand in front of the web server; 0: clients connect directly and
# forwarding headers are ignored (clinic_project/clients.py).
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)

SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic scheduling API",
    "DESCRIPTION": (
        "Free appointment slots and bookings for a medical clinic. Wall-clock times are the clinic's "
        "local time; public endpoints reveal free time, never who booked."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several responses have a `status`; each kind of thing gets its own named set of values.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "scheduling.models.BookingStatus",
        "IntakeQuestionKindEnum": "scheduling.models.IntakeQuestion.Kind",
        "WaitlistOfferStatusEnum": "waitlist.models.Offer.Status",
        "PrivacyRequestKindEnum": "scheduling.models.PrivacyRequest.Kind",
        "PrivacyRequestStatusEnum": "scheduling.models.PrivacyRequest.Status",
        "SeriesStatusEnum": "scheduling.models.SeriesStatus",
        "CourseDateStatusEnum": "scheduling.bookings.series.STATUSES",
        "BookedCourseDateStatusEnum": "scheduling.api.series_serializers.BOOKED_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "scheduling.api.openapi.document_server_refusals",
        "scheduling.api.openapi.staff_only_fields_optional",
        "scheduling.api.openapi.link_and_exemplify",
        "waitlist.openapi.link_and_exemplify",
    ],
}

# Behind a TLS-terminating proxy set DJANGO_HTTPS=true; each of these can still be set on its own.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=HTTPS)
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"

# Where patients reach this service: the links in e-mails and invites start with it.
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")

# Background jobs (django-tasks): the database is the queue, so no other server is needed. Run
# `manage.py db_worker` beside the web server on every host (`make run` starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Outgoing e-mail. EMAIL_URL picks the transport, for example smtp+tls://user:password@mail.internal:587
# or smtps://…:465; the default prints each e-mail on the worker's console. A check (outbox/checks.py) warns
# when it would send to another host without TLS.
vars().update(email_settings(env.str("EMAIL_URL", default="consolemail://")))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
# The outbox: how a message that failed is retried, and when a silent worker counts as dead.
OUTBOX_RETRY_SECONDS = env.float("OUTBOX_RETRY_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=60)

# Webhooks. Loopback and private addresses are refused unless a clinic's systems live on a closed network.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_SECRET_OVERLAP_HOURS = 24

# How long a slot hold keeps its time for the patient who took it.
HOLD_MINUTES = env.int("HOLD_MINUTES", default=5)
# Holds one client address may have at once, and may take in 24 hours without booking them: a hold keeps
# its time from everyone, so one address must not keep a day (the rate THROTTLE_HOLD_RATE counts attempts).
HOLDS_PER_CLIENT_AT_ONCE = env.int("HOLDS_PER_CLIENT_AT_ONCE", default=3)
HOLDS_PER_CLIENT_PER_DAY = env.int("HOLDS_PER_CLIENT_PER_DAY", default=12)
# How long freed time offered to a patient on the waitlist is held for their answer (never past the type's
# booking notice). Fractions are allowed, for tests with real workers.
WAITLIST_OFFER_MINUTES = env.float("WAITLIST_OFFER_MINUTES", default=30)
# How many days after a visit's end its manage link (and a waitlist entry's link, after its latest day) stops
# opening it: a link found in an old mailbox or a log no longer shows the patient's booking.
MANAGE_LINK_DAYS_AFTER_VISIT = env.int("MANAGE_LINK_DAYS_AFTER_VISIT", default=30)

# Patients' records (docs/patients.md). Phone numbers typed without a country code are read as this
# country's (an ISO 3166 code); a merge can be undone for PATIENT_UNMERGE_DAYS; a patient whose last visit
# ended PATIENT_RETENTION_YEARS ago is erased by `manage.py purge_expired_patients` (the law in most places
# keeps medical appointment records for years: set it to yours).
PHONE_REGION = env("CLINIC_PHONE_REGION", default="GB")
PATIENT_UNMERGE_DAYS = env.int("PATIENT_UNMERGE_DAYS", default=30)
PATIENT_RETENTION_YEARS = env.int("PATIENT_RETENTION_YEARS", default=10)

# Failed staff sign-ins (django-axes, docs/security.md#staff-accounts). A username is locked out from one client
# address only, so an attacker elsewhere cannot lock the real user out; an address trying many usernames is
# locked out whole at the higher limit. A lockout lasts the window from the last failure.
ADMIN_LOGIN_ATTEMPTS = env.int("ADMIN_LOGIN_ATTEMPTS", default=5)
ADMIN_LOGIN_ADDRESS_ATTEMPTS = env.int("ADMIN_LOGIN_ADDRESS_ATTEMPTS", default=20)
ADMIN_LOGIN_WINDOW_SECONDS = env.int("ADMIN_LOGIN_WINDOW_SECONDS", default=900)
# Model permissions come from groups (the roles, accounts/roles.py); which objects a role reaches, from
# django-rules (scheduling/roles.py): a practitioner's own bookings and patients only.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "clinic_project.clients.client_address"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "accounts.lockout.attempts_per_username"  # read from the settings above, at each sign-in
AXES_COOLOFF_TIME = "accounts.lockout.window"
AXES_RESET_ON_SUCCESS = True
# Refusals during a lockout are not recorded: the lockout ends a window after the last real try (so
# Retry-After holds), and a client hammering a locked door writes nothing.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the history staff read in the admin
AXES_ENABLE_ADMIN = False  # accounts/admin.py shows it read-only instead
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_page"

# Staff sessions: signed out after this long without a request, and this long after signing in whatever the
# activity (accounts/sessions.py). Only staff have sessions: the booking page and the API set no cookie.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
STAFF_SESSION_MAX_HOURS = env.float("STAFF_SESSION_MAX_HOURS", default=12)
# The session row and cookie last no longer than the absolute limit; the middleware ends them sooner, with a
# message on the sign-in page saying why.
SESSION_COOKIE_AGE = int(STAFF_SESSION_MAX_HOURS * 3600)

# A one-time code from an authenticator app (TOTP, django-otp) after the password, for every staff member when
# required; one who has set up an app is always asked for its code (accounts/mfa/).
ADMIN_MFA_REQUIRED = env.bool("ADMIN_MFA_REQUIRED", default=True)
# How the authenticator app names this service: the host patients and staff reach it at.
OTP_TOTP_ISSUER = urlsplit(SITE_URL).hostname or "clinic"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Patient data never reaches the logs: the request log carries method, path, status and duration only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_refusal": {"()": "clinic_project.errors.OneLineRefusal"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own request logger repeats the path with its query string; ours replaces it.
        "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
        "django.server": {"handlers": [], "propagate": False},
        # A request too large to read is the client's error: one warning line, not a traceback at ERROR.
        **{
            f"django.security.{refusal}": {"filters": ["one_line_refusal"]}
            for refusal in ("RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent")
        },
    },
}
CSRF_FAILURE_VIEW = "clinic_project.errors.csrf_failure"
