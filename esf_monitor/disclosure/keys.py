"""Record keys of the cell key method (docs/indicators.md, "Publication": record key).

Each participant (project_id, participant_id) gets an integer 0–255: the first byte of
HMAC-SHA256(secret, project_id || "|" || participant_id). The secret is 32 random bytes
created once per data folder in ``secrets/cell_key.secret`` (docs/data-folder.md), readable by
the owner only, outside the warehouse, the exports and every log: only the record keys derived
from it reach the warehouse (dbt model ``int_record_keys``). Rotating it changes every
published value, so it is never rotated without a documented reason.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_NAME = "cell_key.secret"


def secret_path(data_root: Path) -> Path:
    return Path(data_root) / "secrets" / SECRET_NAME


def ensure_secret(data_root: Path) -> bytes:
    """The data folder's secret; created (32 random bytes, hex, mode 0600) on first use."""
    path = secret_path(data_root)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:  # two first runs at once: the first one to link wins, both then read it
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return bytes.fromhex(path.read_text().strip())


def record_key(secret: bytes, project_id: str, participant_id: str) -> int:
    message = f"{project_id}|{participant_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[0]


def key_id(secret: bytes) -> str:
    """A public fingerprint of the secret (HMAC of a fixed label, 16 hex digits): the dbt build
    state keeps it, so a replaced secret means a full refresh of the record keys
    (orchestration/dbt_build_plan.py), and it reveals nothing of the record keys."""
    return hmac.new(secret, b"esf-monitor record key id", hashlib.sha256).hexdigest()[:16]


def record_keys(secret: bytes, pairs) -> list[int]:
    """Record keys of an iterable of (project_id, participant_id)."""
    base = hmac.new(secret, digestmod=hashlib.sha256)
    out = []
    for project_id, participant_id in pairs:
        h = base.copy()
        h.update(f"{project_id}|{participant_id}".encode())
        out.append(h.digest()[0])
    return out
