"""``make portal`` / ``esf-monitor portal`` on this machine (http://127.0.0.1:8000).

Secret key: ``ESF_PORTAL_SECRET_KEY`` if set, else one generated once and kept in
``$ESF_DATA_DIR/portal/secret_key`` (mode 0600), so sessions survive a restart."""

from __future__ import annotations

import os
import secrets

from portal.settings.base import *
from portal.settings.base import PORTAL_DIR


def _local_secret_key() -> str:
    if os.environ.get("ESF_PORTAL_SECRET_KEY"):
        return os.environ["ESF_PORTAL_SECRET_KEY"]
    path = PORTAL_DIR / "secret_key"
    if not path.exists():
        PORTAL_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _local_secret_key()
