"""Demo accounts (``make demo``): one per provider of the registries, one analyst, one admin.

Passwords are random, written ONCE to ``$ESF_DATA_DIR/portal/demo-passwords.txt`` (mode 0600,
readable by the owner only) and never printed; a second run keeps every existing account and
changes nothing. Demo only: production accounts are made by IT in the admin."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ANALYST, ADMIN = "analyst", "admin"


def password_file(root: Path) -> Path:
    return root / "portal" / "demo-passwords.txt"


def username_for(provider_id: str) -> str:
    return provider_id.lower()


def create_demo_accounts(dd=None) -> tuple[Path, list[str]]:
    """Create the missing demo accounts; returns the password file and the names created."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from esf_monitor.paths import data_dir
    from portal.web.models import Account, Role
    from portal.web.providers import all_providers

    dd = dd or data_dir()
    wanted = [(username_for(p.provider_id), Role.PROVIDER, p.provider_id, p.name) for p in all_providers(dd)]
    wanted += [
        (ANALYST, Role.ANALYST, "", "Monitoring-Team / analyst"),
        (ADMIN, Role.ADMIN, "", "IT-Administration / admin"),
    ]
    created: list[tuple[str, str, str, str]] = []
    with transaction.atomic():
        for username, role, provider_id, label in wanted:
            if User.objects.filter(username=username).exists():
                continue
            password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
            user = User.objects.create_user(
                username,
                password=password,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            Account.objects.create(user=user, role=role, provider_id=provider_id)
            created.append((username, password, role, label))
    path = password_file(dd.root)
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            if fh.tell() == 0:
                fh.write(
                    "# ESF+ Portal – Demo-Konten / demo accounts (nur Demo / demo only)\n"
                    "# Benutzername / user name\tPasswort / password\tRolle / role\tAbsender / provider\n"
                )
            for username, password, role, label in created:
                fh.write(f"{username}\t{password}\t{role}\t{label}\n")
    return path, [c[0] for c in created]


def main() -> int:
    from portal.serve import migrate, setup

    setup()
    migrate()
    path, created = create_demo_accounts()
    print(
        f"Portal-Demo-Konten / portal demo accounts: {len(created)} neu / new; "
        f"Passwörter / passwords: {path} (nur für den Eigentümer lesbar / readable by the owner only)"
    )
    print("Portal starten / start the portal: make portal → http://127.0.0.1:8000")
    return 0
