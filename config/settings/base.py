"""Settings shared by every profile. Values come from the environment (see config/env.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CHINHQUYEN_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja's templates and static files: /api/v1/docs serves Swagger UI from the project
    # (static/ninja/), not from a CDN, so the interactive docs work offline.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # Sign-in throttling (chinhquyen/accounts/throttle.py, docs/security.md#availability).
    "axes",
    "chinhquyen.core",
    "chinhquyen.accounts",
    "chinhquyen.units",
    "chinhquyen.workdays",
    "chinhquyen.catalogue",
    "chinhquyen.audit",
    "chinhquyen.dossiers",
    "chinhquyen.printforms",
    "chinhquyen.notifications",
    "chinhquyen.portal",
    "chinhquyen.workspace",
    "chinhquyen.signatures",
    "chinhquyen.exchange",
    "chinhquyen.reporting",
    "chinhquyen.feedback",
    "chinhquyen.consultations",
    "chinhquyen.demo",
]

MIDDLEWARE = [
    "config.errors.ErrorShapeMiddleware",  # an API's error stays in the API's format
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chinhquyen.core.inputguard.InputGuardMiddleware",  # too large, NUL, malformed: 400/413
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chinhquyen.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chinhquyen.core.public_url.PublicBaseUrlMiddleware",  # development only: links follow the host
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # CSP, Permissions-Policy, no-store for signed-in people (chinhquyen/core/security.py).
    "chinhquyen.core.security.SecurityHeadersMiddleware",
    # Officers are signed out after an idle and an absolute limit (accounts/middleware.py).
    "chinhquyen.accounts.middleware.OfficerSessionTimeoutMiddleware",
    # Last: turns a locked-out sign-in into 429 (chinhquyen/accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chinhquyen.core.pagecache.csrf_placeholder",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chinhquyen.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A persistent connection is checked before a request reuses it, so a database restart
        # costs each worker a reconnection, not a 500 (chinhquyen/core/outage.py).
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
# While the database is unreachable: 503 with this Retry-After (seconds), chinhquyen/core/outage.py.
DATABASE_OUTAGE_RETRY_AFTER = env_int("DATABASE_OUTAGE_RETRY_AFTER", 30)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_SERVER_SIDE_BINDING", True
):
    # psycopg sends parameters separately (binary for the document axis's 100 KB payloads,
    # instead of quoting them into the SQL text) and, from a statement's 5th run on a connection,
    # prepares it: PostgreSQL then skips parsing and planning the hot statements (a submission
    # costs it a third less CPU, docs/benchmarks.md; connections are persistent, see
    # DATABASE_CONN_MAX_AGE). Behind a pooler in transaction mode that does not track prepared
    # statements (PgBouncer < 1.21, or without max_prepared_statements) set
    # DATABASE_PREPARE_THRESHOLD=none; DATABASE_SERVER_SIDE_BINDING=false restores Django's
    # default (parameters quoted into the SQL, nothing prepared).
    _threshold = env_str("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=None if _threshold in ("", "none", "off") else int(_threshold),
    )
# On PostgreSQL a submission's code counter, dossier and first event are written by one statement
# (dossiers/services/submission.py, docs/decisions/0006); false writes them with save(), as on
# SQLite.
DOSSIER_SUBMIT_ONE_STATEMENT = env_bool("DOSSIER_SUBMIT_ONE_STATEMENT", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE avoids lock upgrades that
    # would fail under concurrent writers instead of waiting.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The throttle's check comes first, so a locked-out account or address is refused before the
# password is hashed (chinhquyen/accounts/throttle.py).
AUTHENTICATION_BACKENDS = [
    "chinhquyen.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Checked wherever a person sets a password (account page, admin, changepassword), with
# Vietnamese messages (chinhquyen/accounts/passwords.py). The draft national standard asks for 14
# characters without a second factor and 8 with one (DOMAIN.md §8, unconfirmed: a setting).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 14)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "chinhquyen.accounts.passwords.PersonalInfoSimilarityValidator"},
    {"NAME": "chinhquyen.accounts.passwords.MinimumLengthValidator"},
    {"NAME": "chinhquyen.accounts.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Revokes the person's API tokens once a new password is saved (not a check).
    {"NAME": "chinhquyen.accounts.passwords.ApiTokensRevokedOnPasswordChange"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# dd/mm/yyyy and 24-hour times in every language (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves the collected static files (compressed, with far-future caching) from the
# same process, so a province needs no separate static server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Browser hardening (chinhquyen/core/security.py, docs/security.md) ------------------------
# Our pages load scripts and styles from static/ only: no inline script, handler or style.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
# Django's admin writes a few inline styles.
CONTENT_SECURITY_POLICY_ADMIN = env_str(
    "CONTENT_SECURITY_POLICY_ADMIN",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
PERMISSIONS_POLICY = env_str(
    "PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), serial=(), "
    "bluetooth=(), accelerometer=(), gyroscope=(), magnetometer=(), display-capture=()",
)
# Officers' sessions end after this many idle minutes (administrators: agency and system
# admins, staff), and in any case this many hours after signing in. Defaults from the draft
# national standard (DOMAIN.md §8: 15 idle minutes, 5 for administrators; unconfirmed).
SESSION_IDLE_MINUTES_OFFICER = env_int("SESSION_IDLE_MINUTES_OFFICER", 15)
SESSION_IDLE_MINUTES_ADMIN = env_int("SESSION_IDLE_MINUTES_ADMIN", 5)
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)

LOGIN_URL = "/dang-nhap/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Every handler scrubs personal data (ID numbers, phones, e-mails, what the request submitted)
# from the message and the traceback before anything is written or mailed
# (chinhquyen/core/privacy.py). Django's own handlers are redefined here so that they do too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "chinhquyen.core.privacy.RedactPersonalDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_data"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Errors reach the console through the root; mail goes to ADMINS when there are any.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
# Error reports (the DEBUG page, the e-mail to ADMINS) hide the database settings, URLs with a
# password, every POST value and the variables that hold submitted data.
DEFAULT_EXCEPTION_REPORTER_FILTER = "chinhquyen.core.privacy.PersonalDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "chinhquyen.core.privacy.PersonalDataExceptionReporter"

# --- Reverse proxy (deploy/, docs/security.md#availability) ----------------------------------
# True only when the application is reachable solely through the documented nginx front, which
# overwrites X-Forwarded-For/-Proto: then the client's address is the right-most X-Forwarded-For
# entry and X-Forwarded-Proto says whether the visitor used HTTPS. Otherwise those headers are
# whatever a client wrote, and are ignored. The production profile defaults to true.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

# --- Sign-in throttling (django-axes; chinhquyen/accounts/throttle.py) -----------------------
# Lockout after LOGIN_FAILURE_LIMIT failed sign-ins per account and per address within the
# cool-off window (5: the draft national standard, /work/shared/DOMAIN.md §8, unconfirmed).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
AXES_ENABLED = env_bool("LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = env_list("LOGIN_LOCKOUT_PARAMETERS", ["username", "ip_address"])
# A refused attempt during the lockout is not counted again (no write per refused attempt, and
# the lockout ends when Retry-After says); a success resets the account (throttle.py does it,
# not axes' AXES_RESET_ON_SUCCESS, which would also wipe the address's failures).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "chinhquyen.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "chinhquyen.accounts.throttle.client_ip"
AXES_VERBOSE = False
# Only failures are kept, and only for the cool-off window (axes deletes older ones at each
# failure); successful sign-ins are not logged with their address and browser (personal data
# the platform does not need: the audit log records what people do).
AXES_DISABLE_ACCESS_LOG = True

# --- chinhquyen -----------------------------------------------------------------------------
# Dossier code: Circular 01/2018 Art. 19. Circular 03/2025 may change it, so it is a setting.
# Fields: {agency} (QCVN 102 agency id), {date} (a date, use strftime codes), {seq} (the
# agency's daily counter).
DOSSIER_CODE_FORMAT = env_str("DOSSIER_CODE_FORMAT", "{agency}-{date:%y%m%d}-{seq:04d}")
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_FILES_PER_DOSSIER = env_int("UPLOAD_MAX_FILES_PER_DOSSIER", 50)
# The one extension of a late dossier (form 04) moves its due date by at most this many working
# days. The rules on late dossiers (DOMAIN.md §3: apology and new date, once) set no figure.
DOSSIER_EXTENSION_MAX_DAYS = env_int("DOSSIER_EXTENSION_MAX_DAYS", 90)
# The largest request body, refused by its Content-Length before it is read (413;
# chinhquyen/core/inputguard.py): Django bounds only a body's non-file part
# (DATA_UPLOAD_MAX_MEMORY_SIZE). A whole application with its files by default; per path prefix
# below (the longest prefix wins), set after the limits they follow.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 10 * UPLOAD_MAX_BYTES)
REQUEST_BODY_LIMITS: dict[str, int] = {}
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# A bearer token expires this long after it was issued (POST /api/v1/auth/token); expired
# tokens get 401 problem+json. Tokens are listed and revoked on the account page (/tai-khoan/)
# and all of a person's tokens are revoked when their password changes.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 12)
API_TOKEN_LAST_USED_MINUTES = env_int("API_TOKEN_LAST_USED_MINUTES", 5)
# Where the receipt's QR code and the e-mails send people (chinhquyen/core/public_url.py). Empty
# (development): links follow the request's host, and `make run` exports it from HOST and PORT
# for the worker. The production profile requires it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")
# Where the pre-2025 (three-level) administrative units are read from: the data folder of the
# vietnam-provinces 0.6.0 release, installed beside the project by `make` (see Makefile).
LEGACY_UNITS_DIR = Path(
    env_str("LEGACY_UNITS_DIR", str(VAR_DIR / "legacy" / "vietnam_provinces" / "data"))
)
# "default": per process. "reporting": the reporting centre's answers for closed periods, in a
# table of the database (created by migrate), so that every worker process shares them.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "reporting": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "reporting_cache",
        "TIMEOUT": 15 * 60,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Whole public pages for anonymous visitors, per process (chinhquyen/core/pagecache.py).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 2000)},
    },
}
# How long a public page drawn for anonymous visitors is served again (0: the cache is off), and
# how long a process trusts the versions of what the pages show before reading them again.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
PAGE_CACHE_VERSION_MS = env_int("PAGE_CACHE_VERSION_MS", 1000)

# The bare endpoints under /bench/ that `make bench` compares the API with; off everywhere else.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
# The benchmark harness (the top-level `benchmarks/` package: the bare endpoints' table, the data
# generators, the bench_* commands) is an app only where a benchmark runs (scripts/bench*.sh set
# BENCH_ENDPOINTS or BENCHMARKS): production neither installs nor migrates it.
BENCHMARKS = env_bool("BENCHMARKS", False) or BENCH_ENDPOINTS
if BENCHMARKS:
    INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 30)

# --- notifications (chinhquyen.notifications) ------------------------------------------------
# E-mail to applicants on every status change (DOMAIN.md §3: online intake notifies by e-mail).
# Switched on explicitly (STYLE.md §8): NOTIFICATIONS_ENABLED=true. Without EMAIL_HOST the
# messages go to the console backend (printed by the worker), so a development machine never
# tries to reach an SMTP server that is not there; set EMAIL_HOST (and usually EMAIL_PORT=587,
# EMAIL_USE_TLS=true, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD or EMAIL_HOST_PASSWORD_FILE) to send
# for real. `manage.py check --deploy` warns when notifications are on but mail is not sent.
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", False)
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # seconds; Django's default waits forever
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Một cửa điện tử <no-reply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", "no-reply@localhost")
# A failed send is retried after 30 s, 60 s, 120 s … (base × 2^(attempt-1)) up to the limit,
# then marked failed for an officer to look at in the admin.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)

# --- Reporting centre (docs/reporting.md) ---------------------------------------------------------
# CA certificates (PEM file paths) trusted for the agency signatures on submitted reports.
REPORTING_TRUST_ROOTS = env_list("REPORTING_TRUST_ROOTS", [])
REPORTING_CUTOFF_DAY = env_int("REPORTING_CUTOFF_DAY", 14)  # Decree 09/2019: data cut-off
REPORTING_DUE_WORKING_DAYS = env_int("REPORTING_DUE_WORKING_DAYS", 5)  # unconfirmed

# --- Feedback (docs/feedback.md) ------------------------------------------------------------------
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")  # default: DEFAULT_FROM_EMAIL
# "Useful" votes by readers who are not signed in: one per device (a signed cookie kept this
# many days), and at most this many per address and hour (counted in the default cache).
FEEDBACK_DEVICE_COOKIE_DAYS = env_int("FEEDBACK_DEVICE_COOKIE_DAYS", 365)
FEEDBACK_VOTES_PER_ADDRESS_PER_HOUR = env_int("FEEDBACK_VOTES_PER_ADDRESS_PER_HOUR", 30)

# --- Signatures (docs/signatures.md) --------------------------------------------------------------
SIGNATURES_KEY_DIR = env_str("SIGNATURES_KEY_DIR", str(VAR_DIR / "keys"))
SIGNATURES_KEY_PASSPHRASE = env_str("SIGNATURES_KEY_PASSPHRASE", "")  # *_FILE also read
SIGNATURES_PKCS11_PIN = env_str("SIGNATURES_PKCS11_PIN", "")  # *_FILE also read
SIGNATURES_TSA_URL = env_str("SIGNATURES_TSA_URL", "")  # RFC 3161; B-T needs one
SIGNATURES_TRUST_ROOTS = env_list("SIGNATURES_TRUST_ROOTS", [])  # PEM paths, beside the DB's
SIGNATURES_ALLOW_FETCHING = env_bool("SIGNATURES_ALLOW_FETCHING", True)  # OCSP/CRL on validation
SIGNATURES_REVOCATION_MODE = env_str("SIGNATURES_REVOCATION_MODE", "soft-fail")
SIGNATURES_REVINFO_CACHE_SIZE = env_int("SIGNATURES_REVINFO_CACHE_SIZE", 1024)  # OCSP/CRL answers
SIGNATURES_MAX_UPLOAD_BYTES = env_int("SIGNATURES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# One PDF and its multipart envelope: a larger body is refused unread (anonymous /validate too).
REQUEST_BODY_LIMITS["/api/v1/signatures/"] = SIGNATURES_MAX_UPLOAD_BYTES + 64 * 1024
REQUEST_BODY_LIMITS["/chu-ky-so/"] = SIGNATURES_MAX_UPLOAD_BYTES + 64 * 1024
# The document axis' hub (chinhquyen/exchange): the largest edXML message it accepts, and the
# largest POST /hub/batch (a node groups at most 4 MB of edXML per batch; JSON escaping makes that
# at most three times as many bytes). The hub reads these two bodies from the stream itself
# (REQUEST_STREAMED_PATHS), as Django buffers no more than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
# The same default as exchange/edxml.py's DEFAULT_MAX_BYTES, which is also used without Django
# settings (tests/test_architecture.py checks the two agree); settings import no app code.
EXCHANGE_EDXML_MAX_BYTES = env_int("EXCHANGE_EDXML_MAX_BYTES", 50 * 1024 * 1024)
EXCHANGE_BATCH_MAX_BYTES = env_int("EXCHANGE_BATCH_MAX_BYTES", 16 * 1024 * 1024)
REQUEST_BODY_LIMITS["/api/v1/exchange/hub/messages"] = EXCHANGE_EDXML_MAX_BYTES
REQUEST_BODY_LIMITS["/api/v1/exchange/hub/batch"] = EXCHANGE_BATCH_MAX_BYTES
REQUEST_STREAMED_PATHS = ("/api/v1/exchange/hub/messages", "/api/v1/exchange/hub/batch")
# Remote signing (VNPT SmartCA / Viettel MySign style; signatures/providers/remote.py): off while
# the URL is empty. The client secret may come from SIGNATURES_REMOTE_CLIENT_SECRET_FILE.
SIGNATURES_REMOTE_URL = env_str("SIGNATURES_REMOTE_URL", "")
SIGNATURES_REMOTE_CLIENT_ID = env_str("SIGNATURES_REMOTE_CLIENT_ID", "")
SIGNATURES_REMOTE_CLIENT_SECRET = env_str("SIGNATURES_REMOTE_CLIENT_SECRET", "")
SIGNATURES_REMOTE_TIMEOUT = env_int("SIGNATURES_REMOTE_TIMEOUT", 10)  # seconds, every HTTP call
# Where the person confirms, when the provider has a web page for it ("{user}": the provider's
# user id); empty for a real provider, whose app is on the person's phone. The demo's simulator
# has one: http://127.0.0.1:8190/app/{user}.
SIGNATURES_REMOTE_APP_URL = env_str("SIGNATURES_REMOTE_APP_URL", "")

# --- Document exchange (docs/exchange.md) ---------------------------------------------------------
EXCHANGE_ROLE = env_str("EXCHANGE_ROLE", "node")  # "hub" or "node"
EXCHANGE_HUB_URL = env_str("EXCHANGE_HUB_URL", "")  # node: default for `exchange register`
EXCHANGE_AGENCY_ID = env_str("EXCHANGE_AGENCY_ID", "")
EXCHANGE_AGENCY_NAME = env_str("EXCHANGE_AGENCY_NAME", "")
EXCHANGE_KEY_FILE = env_str("EXCHANGE_KEY_FILE", "")  # node: PEM key that signs edXML
EXCHANGE_CERT_FILE = env_str("EXCHANGE_CERT_FILE", "")  # node: PEM cert registered at the hub
EXCHANGE_HUB_ENROL_SECRET = env_str("EXCHANGE_HUB_ENROL_SECRET", "")  # hub: "" = closed
EXCHANGE_HUB_VERIFY_SIGNATURES = env_bool("EXCHANGE_HUB_VERIFY_SIGNATURES", True)
EXCHANGE_TSA_URL = env_str("EXCHANGE_TSA_URL", "")  # RFC 3161 TSA for the message log
EXCHANGE_TSA_ROOT_FILE = env_str("EXCHANGE_TSA_ROOT_FILE", "")
EXCHANGE_TIMESTAMP_SECONDS = env_int("EXCHANGE_TIMESTAMP_SECONDS", 60)
