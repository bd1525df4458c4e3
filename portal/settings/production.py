"""Production: behind a reverse proxy with TLS (docs/portal.md, "Production").

Refuses to start without ``ESF_PORTAL_SECRET_KEY`` (no key is ever generated or defaulted);
debug off; cookies Secure; HSTS; the proxy's ``X-Forwarded-Proto: https`` is trusted; set
``ESF_PORTAL_DB_URL`` for PostgreSQL and ``ESF_PORTAL_ALLOWED_HOSTS`` for the public name."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import *

SECRET_KEY = os.environ.get("ESF_PORTAL_SECRET_KEY", "")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "ESF_PORTAL_SECRET_KEY fehlt oder ist kürzer als 32 Zeichen – das Portal startet so nicht / "
        "ESF_PORTAL_SECRET_KEY is missing or shorter than 32 characters – the portal does not start "
        "without it (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("ESF_PORTAL_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ESF_PORTAL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
