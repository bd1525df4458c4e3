"""Settings shared by every variant. Paths follow ``ESF_DATA_DIR`` like the pipeline's.

Environment (docs/portal.md, "Settings"):

- ``ESF_DATA_DIR``           the data folder (default ``./data``)
- ``ESF_PORTAL_DB_URL``      ``postgresql://user:pass@host:5432/db`` → PostgreSQL; unset → SQLite
                             ``$ESF_DATA_DIR/portal/portal.sqlite3`` (same style as ESF_DAGSTER_PG_URL)
- ``ESF_PORTAL_MAX_UPLOAD_MB`` size limit of one upload (default 200)
- ``ESF_PORTAL_ALLOWED_HOSTS`` comma-separated host names (default 127.0.0.1,localhost)
- ``ESF_DAGSTER_UI_URL``     Dagster UI the analyst's links point to (default http://127.0.0.1:3000)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(os.environ.get("ESF_DATA_DIR", "data")).expanduser().resolve()
PORTAL_DIR = DATA_DIR / "portal"


def database_from_url(url: str | None, sqlite_path: Path) -> dict:
    """Django's ``DATABASES['default']`` from ``ESF_PORTAL_DB_URL`` (PostgreSQL) or SQLite."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(sqlite_path),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"ESF_PORTAL_DB_URL: nur postgresql://… / only postgresql://… URLs (got '{parts.scheme}')"
        )
    options = dict(parse_qsl(parts.query))  # e.g. sslmode=require, options=-csearch_path%3Dportal
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": database_from_url(os.environ.get("ESF_PORTAL_DB_URL"), PORTAL_DIR / "portal.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DEBUG = False
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ESF_PORTAL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "portal.web.admin_site.PortalAdminConfig",  # django.contrib.admin under the portal's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "portal.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.web.middleware.RegistryErrorMiddleware",
    # last, as django-axes requires
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.web.access.nav_context",
            ]
        },
    }
]

# ---- accounts: Django's auth, Argon2 first (argon2-cffi), axes lockout, optional TOTP
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
]
LOGIN_URL = "signin"
LOGIN_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]  # the account is locked (spec), not the office's NAT address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# W006 asks for the IP in the lockout key: the spec locks the ACCOUNT, and a jobcenter's staff share
# one NAT address (5 typos of one clerk must not lock the whole office out)
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "ESF+ Monitoring"

# ---- sessions and cookies (production.py adds Secure and HSTS)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "esf_portal_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "esf_portal_csrf"
CSRF_FAILURE_VIEW = "portal.web.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# ---- uploads: streamed to disk within the limit (portal.web.uploads.LimitedUploadHandler)
MAX_UPLOAD_MB = float(os.environ.get("ESF_PORTAL_MAX_UPLOAD_MB", "200"))
FILE_UPLOAD_HANDLERS = ["portal.web.uploads.LimitedUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # the form fields beside the file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50

STATIC_URL = "/static/"
STATIC_ROOT = PORTAL_DIR / "static"  # collectstatic, for a proxy that serves them

DAGSTER_UI_URL = os.environ.get("ESF_DAGSTER_UI_URL", "http://127.0.0.1:3000").rstrip("/")

LANGUAGE_CODE = "de"
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "portal": {"handlers": ["console"], "level": "INFO"},
        "waitress": {"handlers": ["console"], "level": "INFO"},
    },
}
