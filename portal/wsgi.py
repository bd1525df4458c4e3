"""WSGI entry (waitress in ``esf-monitor portal``; any WSGI server behind a proxy in production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
application = get_wsgi_application()
