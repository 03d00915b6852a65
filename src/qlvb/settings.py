"""Settings come from the environment (healthchecks style); defaults give a working laptop install.

QLVB_DATA_DIR     folder for the SQLite file, stored files, the generated secret key (./data)
DATABASE_URL      sqlite:///... (default: QLVB_DATA_DIR/qlvb.sqlite3) or postgres://...
QLVB_REPLICA_DATABASE_URL  postgres://... of a read replica: report reads go there (optional)
QLVB_CACHE_URL    redis://... : one cache for every web process and node (counts of the lists and
                  the navigation start afresh everywhere at once); default: each process its own
QLVB_HUEY_URL     job queue storage: sqlite (default, QLVB_DATA_DIR/huey.sqlite3) or redis://...
QLVB_STORAGE      "local" (default, QLVB_DATA_DIR/files) or "s3": S3-compatible object storage
                  with QLVB_S3_BUCKET, QLVB_S3_ENDPOINT_URL, QLVB_S3_ACCESS_KEY, QLVB_S3_SECRET_KEY,
                  QLVB_S3_REGION (docs/deploy.md)
EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL
QLVB_DEBUG        1 to enable Django debug pages (never in production)
QLVB_ALLOWED_HOSTS  comma separated host names (default: localhost, 127.0.0.1)
QLVB_SECURE_COOKIES  1 to mark cookies Secure (behind HTTPS); default 1 unless QLVB_DEBUG
QLVB_REQUIRE_2FA_FOR_ADMINS  1 to require a TOTP second factor for administrators
QLVB_SIGNING_TSA_URL  RFC 3161 timestamp authority: signatures become PAdES B-T (optional)
QLVB_SIGNING_FETCH_REVOCATION  1 to fetch CRL/OCSP from the certificates' URLs: checks use them
                  and signatures embed them (B-LT); default 0 (imported CRLs only)
QLVB_SIGNING_KEY  key sealing PKCS#12 files and PINs at rest (default: derived from SECRET_KEY)
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("QLVB_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Generated on first run and kept in the data folder (mode 0600), never committed."""
    if os.environ.get("QLVB_SECRET_KEY"):
        return os.environ["QLVB_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Write to a private temporary file, then link it into place: when several processes
        # start at once on a new data folder (web + workers), one wins and all read the same key.
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("QLVB_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("QLVB_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("QLVB_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("QLVB_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # serves the API docs page's Swagger UI from static files, never from a CDN
    "qlvb.core",
    "qlvb.audit",
    "qlvb.agencies",
    "qlvb.accounts",
    "qlvb.jobs",
    "qlvb.documents",
    "qlvb.incoming",
    "qlvb.outgoing",
    "qlvb.scale",
    "qlvb.directives",
    "qlvb.search",
    "qlvb.exchange",
    "qlvb.reports",
    "qlvb.notifications",
    "qlvb.signing",
    "qlvb.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qlvb.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qlvb.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qlvb.core.middleware.RequestContextMiddleware",
    "qlvb.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "qlvb.urls"
WSGI_APPLICATION = "qlvb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qlvb.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'qlvb.sqlite3'}",
        conn_max_age=env_int("QLVB_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-64000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("QLVB_TEST_SQLITE_NAME") or None}
# A PostgreSQL streaming replica for reports (docs/deploy.md): reads inside
# `qlvb.core.replica.replica_reads()` go there, everything else to the primary.
if os.environ.get("QLVB_REPLICA_DATABASE_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["QLVB_REPLICA_DATABASE_URL"],
        conn_max_age=env_int("QLVB_DB_CONN_MAX_AGE", 0),
    )
    # Tests run the replica as a mirror of the test database (two aliases, one server).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["qlvb.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (INCLUDE) serve the PostgreSQL lists; SQLite simply builds them without the
# extra columns, which is fine for its sizes, so its warning on every command is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.Person"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
QLVB_LOGIN_MAX_FAILURES = env_int("QLVB_LOGIN_MAX_FAILURES", 5)
QLVB_LOGIN_LOCK_MINUTES = env_int("QLVB_LOGIN_LOCK_MINUTES", 15)
QLVB_REQUIRE_2FA_FOR_ADMINS = env_bool("QLVB_REQUIRE_2FA_FOR_ADMINS")

SECURE_COOKIES = env_bool("QLVB_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("QLVB_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_NAME = "qlvb_session"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

# --- i18n: Vietnamese first ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Dates on pages as dd/mm/yyyy in both languages (qlvb/web/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["qlvb.web.formats"]

# --- Static and stored files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
MEDIA_ROOT = DATA_DIR / "files"


def s3_storage_options(env=os.environ) -> dict:
    """django-storages' S3Storage for every node of a deployment (MinIO, Ceph RGW, a cloud's
    S3). Blobs are content-addressed and never rewritten: file_overwrite stays off. A read
    spools to a temporary file past 8 MB, so a large scan is never held whole in memory."""
    return {
        "bucket_name": env["QLVB_S3_BUCKET"],
        "endpoint_url": env.get("QLVB_S3_ENDPOINT_URL") or None,
        "access_key": env.get("QLVB_S3_ACCESS_KEY") or None,
        "secret_key": env.get("QLVB_S3_SECRET_KEY") or None,
        "region_name": env.get("QLVB_S3_REGION") or None,
        "file_overwrite": False,
        "max_memory_size": 8 * 1024 * 1024,
        "default_acl": None,
        "querystring_auth": True,
    }


if os.environ.get("QLVB_STORAGE", "local") == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(),
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "qlvb@localhost")

# --- Text of scans: OCRmyPDF + Tesseract (search app) ---------------------------------------
QLVB_OCR = env_bool("QLVB_OCR", True)
QLVB_OCR_LANGUAGES = os.environ.get("QLVB_OCR_LANGUAGES", "vie")

# --- Audit log: independent hash chains; appends to different chains never wait on each other
QLVB_AUDIT_CHAINS = env_int("QLVB_AUDIT_CHAINS", 16)

# --- Cache (docs/deploy.md): per process unless QLVB_CACHE_URL names a Redis --------------------
if os.environ.get("QLVB_CACHE_URL", "").startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["QLVB_CACHE_URL"],
            "KEY_PREFIX": "qlvb",
        }
    }

# --- Background jobs (huey carries the nudge; the work is rows in the database) --------------
_huey_url = os.environ.get("QLVB_HUEY_URL", "")
HUEY = {
    "name": "qlvb",
    "immediate": env_bool("QLVB_HUEY_IMMEDIATE"),
    "consumer": {"workers": env_int("QLVB_WORKER_THREADS", 2), "worker_type": "thread"},
}
if _huey_url.startswith("redis"):
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _huey_url})
else:
    HUEY.update(
        {
            "huey_class": "huey.SqliteHuey",
            "filename": _huey_url.removeprefix("sqlite:///") or str(DATA_DIR / "huey.sqlite3"),
        }
    )
QLVB_JOB_LEASE_SECONDS = env_int("QLVB_JOB_LEASE_SECONDS", 300)
QLVB_JOB_MAX_ATTEMPTS = env_int("QLVB_JOB_MAX_ATTEMPTS", 8)

# --- Notifications (qlvb.notifications: SMS provider, reminders) ------------------------------
QLVB_SMS_PROVIDER = os.environ.get("QLVB_SMS_PROVIDER", "console")  # console | http
QLVB_SMS_HTTP = json.loads(os.environ.get("QLVB_SMS_HTTP") or "{}")  # see notifications/sms
QLVB_SMS_SENDER = os.environ.get("QLVB_SMS_SENDER", "QLVB")
QLVB_SMS_ASCII = env_bool("QLVB_SMS_ASCII")  # without diacritics, to fit 160 characters
QLVB_SIGNING_TSA_URL = os.environ.get("QLVB_SIGNING_TSA_URL", "")
QLVB_SIGNING_FETCH_REVOCATION = env_bool("QLVB_SIGNING_FETCH_REVOCATION")
QLVB_SIGNING_KEY = os.environ.get("QLVB_SIGNING_KEY", "")
QLVB_REMINDER_DAYS = [
    int(d) for d in os.environ.get("QLVB_REMINDER_DAYS", "3,1").split(",") if d.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("QLVB_LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}},
}
