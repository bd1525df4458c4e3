"""Start the portal: ``esf-monitor portal`` / ``make portal`` / ``python -m portal serve``.

Migrates its own database (SQLite in ``$ESF_DATA_DIR/portal/`` unless ``ESF_PORTAL_DB_URL``),
then serves with waitress (a production WSGI server, pure Python) on http://127.0.0.1:8000.
The CLI hook stays one call into this module, wherever the CLI lives."""

from __future__ import annotations

import os
import sys

LOCAL = "portal.settings.local"
PRODUCTION = "portal.settings.production"


def setup(production: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION if production else LOCAL)
    import django

    django.setup()


def migrate() -> None:
    """Create or update the portal's tables; a SQLite file is the owner's only (hashes, sessions)."""
    from django.conf import settings
    from django.core.management import call_command

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = os.path.dirname(database["NAME"])
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    call_command("migrate", interactive=False, verbosity=0)
    if database["ENGINE"].endswith("sqlite3"):
        os.chmod(database["NAME"], 0o600)


def main(
    host: str = "127.0.0.1",
    port: int = 8000,
    production: bool = False,
    threads: int = 8,
) -> int:
    setup(production)
    migrate()
    from django.conf import settings
    from waitress import serve

    from portal.web.uploads import FORM_OVERHEAD, max_upload_bytes
    from portal.wsgi import application

    print(
        f"ESF+ Portal: http://{host}:{port}/  (Daten / data: {settings.DATA_DIR})",
        flush=True,
    )
    # the proxy headers are trusted only in production (behind the reverse proxy)
    extra = (
        {
            "trusted_proxy": "127.0.0.1",
            "trusted_proxy_headers": {"x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
        if production
        else {}
    )
    serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="esf-portal",
        max_request_body_size=max_upload_bytes() + FORM_OVERHEAD,
        **extra,
    )
    return 0


def manage(argv: list[str]) -> int:
    setup(production=os.environ.get("DJANGO_SETTINGS_MODULE") == PRODUCTION)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["portal manage", *argv])
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
