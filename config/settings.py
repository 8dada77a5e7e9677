"""Settings for dieuhanh, read from the environment.

Embedded default (``make run``): SQLite in ``DATA_DIR``, local files, DEBUG on.
Production: set ``DATABASE_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and leave DEBUG off.
See docs/operations.md for every variable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or os.environ.get("DIEUHANH_TESTING") == "1"
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var")).resolve()
VERSION = "0.1.0"

_dev_secret = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _dev_secret if (DEBUG or TESTING) else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off (see docs/operations.md).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps that confirm remote signing (signing/remote.py)
    "ninja",  # serves its Swagger UI from local static files (the CDN template otherwise)
    "core",
    "orgs",
    "documents",
    "incoming",
    "outgoing",
    "signing",
    "copies",
    "archive",
    "search",
    "intake",
    "exchange",
    "notifications",
    "reports",
    "api",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "config.urls"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.navigation",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- database -----------------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{DATA_DIR / 'dieuhanh.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # kept per thread like PostgreSQL's (60 s): opening one costs ~2 ms of CPU (Django's ~30 SQL
    # functions, the PRAGMAs, the schema read again) and starts with an empty statement cache, and the
    # exchange opened several per message (the receiving threads, each dispatcher thread)
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    # Django's backend with writers taking turns at the write lock (core/sqlite/writers.py)
    DATABASES["default"]["ENGINE"] = "core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE: writers queue on the lock instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file (not :memory:) so that the concurrency tests' child processes share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-dieuhanh.sqlite3")}
else:
    # short OLTP queries: PostgreSQL's JIT compiler costs more than it saves (measured in bench/)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (login throttling) ---------------------------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dieuhanh"}}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

# --- passwords and sessions ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- security (secure by default outside DEBUG) ----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # only the file view allows framing by our own pages (PDF viewer)
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    _https = env_bool("HTTPS", True)
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_SSL_REDIRECT = _https and env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if _https else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
    SECURE_HSTS_PRELOAD = _https
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["config.formats"]

# --- static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/pdfjs", BASE_DIR / "node_modules/pdfjs-dist/build"),
    BASE_DIR / "static",
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING  # serve assets straight from node_modules/static in development
# Background jobs (django-tasks): the database backend everywhere — the task row is written in the same
# transaction as the change that needs it (an outbox), so a crash never loses a job. ``make run`` works
# them in-process (DIEUHANH_INPROCESS_JOBS=1); production runs ``manage.py db_worker`` processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LIBREOFFICE_BIN = os.environ.get("LIBREOFFICE_BIN", "")
LIBREOFFICE_PROFILE_DIR = os.environ.get("LIBREOFFICE_PROFILE_DIR", "")
FILE_MAX_BYTES = int(os.environ.get("FILE_MAX_BYTES", str(50 * 1024 * 1024)))
FILE_MAX_PDF_PAGES = int(os.environ.get("FILE_MAX_PDF_PAGES", "2000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AUDIT_CHECKPOINT_PATH = Path(os.environ.get("AUDIT_CHECKPOINT_PATH", DATA_DIR / "audit-checkpoint.json"))

# --- digital signatures (signing/) ----------------------------------------------------------------
# Key material for the PKCS#12 files kept at rest (Fernet, key derived with HKDF-SHA256). Comma-separated:
# the first key encrypts, every key decrypts (rotation: put the new key first, run
# ``manage.py signing_rekey``, then drop the old one; docs/operations.md). Empty: derived from SECRET_KEY.
SIGNING_STORAGE_KEY = os.environ.get("SIGNING_STORAGE_KEY", "")
SIGNING_TSA_URL = os.environ.get("SIGNING_TSA_URL", "")  # RFC 3161 timestamp authority -> PAdES B-T
SIGNING_EMBED_VALIDATION = env_bool("SIGNING_EMBED_VALIDATION", False)  # PAdES B-LT (DSS) when reachable
# Fetch CRLs/OCSP from the certificates' URLs when validating; offline, only local CRL files and the
# document's own DSS are used, and a certificate without revocation data is "indeterminate", never valid.
SIGNING_FETCH_REVOCATION = env_bool("SIGNING_FETCH_REVOCATION", not TESTING)
SIGNING_CRL_DIR = Path(os.environ.get("SIGNING_CRL_DIR", DATA_DIR / "signing" / "crl"))
SIGNING_FONT_DIR = Path(os.environ.get("SIGNING_FONT_DIR", DATA_DIR / "signing" / "fonts"))
SIGNING_PKCS11_MODULE = os.environ.get("SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
# Remote signing from a phone: how long a request waits for the signer's one-time code, how many wrong
# codes it accepts, and the label authenticator apps show.
SIGNING_REMOTE_REQUEST_MINUTES = int(os.environ.get("SIGNING_REMOTE_REQUEST_MINUTES", "10"))
SIGNING_REMOTE_MAX_ATTEMPTS = int(os.environ.get("SIGNING_REMOTE_MAX_ATTEMPTS", "5"))
# Two-step signing with the signer's own token: how long a prepared document waits for the token.
SIGNING_CLIENT_SESSION_MINUTES = int(os.environ.get("SIGNING_CLIENT_SESSION_MINUTES", "10"))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "dieuhanh")

# --- e-mail -------------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dieuhanh@localhost")
# Without a mail server, messages are written as files under DATA_DIR/mail (readable, never lost).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- business settings ----------------------------------------------------------------------------
NEAR_DUE_WORKING_DAYS = int(os.environ.get("NEAR_DUE_WORKING_DAYS", "2"))
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # pyHanko logs every failed validation with a traceback at WARNING: the verdict says it already
        "pyhanko": {"level": os.environ.get("SIGNING_LOG_LEVEL", "ERROR")},
        "pyhanko_certvalidator": {"level": os.environ.get("SIGNING_LOG_LEVEL", "ERROR")},
        # OCRmyPDF's PDF renderer subsets fonts with fontTools, which logs every glyph list at INFO
        "fontTools": {"level": "WARNING"},
    },
}

# --- OCR intake (intake/) ---------------------------------------------------------------------------
# Tesseract through OCRmyPDF (Debian packages in scripts/system-deps.sh)
INTAKE_OCR_LANGUAGE = os.environ.get("INTAKE_OCR_LANGUAGE", "vie")
# pages recognised in parallel per job: cores ÷ worker processes. The embedded mode (make run) has one
# worker thread, so it takes every core; production runs one db_worker per core, each with one.
INTAKE_OCR_JOBS = int(
    os.environ.get(
        "INTAKE_OCR_JOBS",
        str(os.cpu_count() or 1) if os.environ.get("DIEUHANH_INPROCESS_JOBS") == "1" else "1",
    )
)
INTAKE_OCR_PSM = int(os.environ.get("INTAKE_OCR_PSM", "4"))  # Tesseract page segmentation (4: one column)
# always deskew, rotate (Tesseract OSD) and clean (unpaper) pages before OCR; off by default, when only a
# scan with a page whose text comes out unreadable and that Tesseract's orientation detection finds turned
# (upside down, sideways) gets a second pass with the clean-up
INTAKE_OCR_CLEAN = env_bool("INTAKE_OCR_CLEAN", False)
INTAKE_OCR_TIMEOUT = int(os.environ.get("INTAKE_OCR_TIMEOUT", "180"))  # seconds per page
INTAKE_EXTRACT_PAGES = int(os.environ.get("INTAKE_EXTRACT_PAGES", "2"))  # pages read by /intake/extract
# Watched folder (manage.py intake_watch): scans dropped in INTAKE_WATCH_DIR are taken in for the
# organisation INTAKE_WATCH_ORG (its identifier or id); processed files move to done/ or failed/.
INTAKE_WATCH_DIR = os.environ.get("INTAKE_WATCH_DIR", "")
INTAKE_WATCH_ORG = os.environ.get("INTAKE_WATCH_ORG", "")
# Intake mailbox (manage.py intake_mail, or a thread of `make run` when INTAKE_MAIL_HOST is set): scans
# attached to the unseen messages of INTAKE_MAIL_FOLDER become intake jobs of INTAKE_MAIL_ORG
# (docs/operations.md). Security: ssl (IMAPS, port 993), starttls (143) or plain (loopback only).
INTAKE_MAIL_HOST = os.environ.get("INTAKE_MAIL_HOST", "")
INTAKE_MAIL_PORT = int(os.environ.get("INTAKE_MAIL_PORT", "0"))  # 0: 993 for ssl, 143 otherwise
INTAKE_MAIL_USER = os.environ.get("INTAKE_MAIL_USER", "")
INTAKE_MAIL_PASSWORD = os.environ.get("INTAKE_MAIL_PASSWORD", "")
INTAKE_MAIL_FOLDER = os.environ.get("INTAKE_MAIL_FOLDER", "INBOX")
INTAKE_MAIL_SECURITY = os.environ.get("INTAKE_MAIL_SECURITY", "ssl")
INTAKE_MAIL_PROCESSED_FOLDER = os.environ.get("INTAKE_MAIL_PROCESSED_FOLDER", "Processed")  # "": flag
INTAKE_MAIL_REJECTED_FOLDER = os.environ.get("INTAKE_MAIL_REJECTED_FOLDER", "Rejected")  # "": flag
INTAKE_MAIL_ORG = os.environ.get("INTAKE_MAIL_ORG", INTAKE_WATCH_ORG)
INTAKE_MAIL_INTERVAL = float(os.environ.get("INTAKE_MAIL_INTERVAL", "60"))  # seconds between passes
INTAKE_MAIL_TIMEOUT = float(os.environ.get("INTAKE_MAIL_TIMEOUT", "30"))  # seconds per IMAP operation
INTAKE_MAIL_CA_FILE = os.environ.get("INTAKE_MAIL_CA_FILE", "")  # PEM to trust instead of the system's CAs

# PostgreSQL's maintenance_work_mem while a full search rebuild builds its GIN indexes (search.backends):
# the database server's memory for that one statement, not the rebuild process's.
SEARCH_INDEX_BUILD_MEMORY = os.environ.get("SEARCH_INDEX_BUILD_MEMORY", "512MB")

# Exchange between installations (exchange/, docs/operations.md "Liên thông"): the dispatcher's retries
# (seconds, doubled per attempt up to the maximum, ±20 % jitter), request timeout, wake-up poll, the
# largest message accepted, and a CA file for the peers' HTTPS certificates (the system store otherwise).
EXCHANGE_BACKOFF_BASE = float(os.environ.get("EXCHANGE_BACKOFF_BASE", "2"))
EXCHANGE_BACKOFF_MAX = float(os.environ.get("EXCHANGE_BACKOFF_MAX", "3600"))
EXCHANGE_TIMEOUT = float(os.environ.get("EXCHANGE_TIMEOUT", "30"))
# a message claimed by a dispatcher that died (crash, restart) is taken again after this many seconds
EXCHANGE_LEASE_SECONDS = float(os.environ.get("EXCHANGE_LEASE_SECONDS", "120"))
EXCHANGE_POLL_SECONDS = float(os.environ.get("EXCHANGE_POLL_SECONDS", "0.5"))
# messages sent at once by one dispatcher (each waits for the next hop to verify and store it)
EXCHANGE_DISPATCH_THREADS = int(os.environ.get("EXCHANGE_DISPATCH_THREADS", "1" if TESTING else "8"))
# the largest message accepted (refused before Django reads it: exchange/asgi.py)
EXCHANGE_MAX_MESSAGE_BYTES = int(os.environ.get("EXCHANGE_MAX_MESSAGE_BYTES", str(40 * 1024 * 1024)))
# messages parsed and verified at once by one process; more wait up to EXCHANGE_VERIFICATION_WAIT_SECONDS
# for a slot, then answer 503 + Retry-After (the sender retries)
EXCHANGE_MAX_CONCURRENT_VERIFICATIONS = int(
    os.environ.get("EXCHANGE_MAX_CONCURRENT_VERIFICATIONS", str(max(2, os.cpu_count() or 2)))
)
EXCHANGE_VERIFICATION_WAIT_SECONDS = float(os.environ.get("EXCHANGE_VERIFICATION_WAIT_SECONDS", "10"))
EXCHANGE_CA_FILE = os.environ.get("EXCHANGE_CA_FILE", "")
# this installation's certificate and key for receivers that require mutual TLS (PEM; none by default)
EXCHANGE_CLIENT_CERT_FILE = os.environ.get("EXCHANGE_CLIENT_CERT_FILE", "")
EXCHANGE_CLIENT_KEY_FILE = os.environ.get("EXCHANGE_CLIENT_KEY_FILE", "")
# a 403 unknown_certificate (the receiver has not pulled our new certificate yet) is retried this many
# attempts (with the backoff, and a directory pull) before the message is marked failed
EXCHANGE_UNKNOWN_CERTIFICATE_ATTEMPTS = int(os.environ.get("EXCHANGE_UNKNOWN_CERTIFICATE_ATTEMPTS", "10"))
# messages are delivered and the directory (whose certificates authenticate messages) pulled over HTTPS
# only, except in development and tests (EXCHANGE_ALLOW_HTTP=1 allows plain HTTP: not recommended)
EXCHANGE_ALLOW_HTTP = os.environ.get("EXCHANGE_ALLOW_HTTP", "1" if DEBUG or TESTING else "0") == "1"
# how often the embedded dispatcher pulls the directory from the hub (and on a message from an unknown org)
EXCHANGE_DIRECTORY_SYNC_SECONDS = float(os.environ.get("EXCHANGE_DIRECTORY_SYNC_SECONDS", "600"))
