"""The portal's database on a REAL PostgreSQL server (``ESF_PORTAL_DB_URL``), the same server
the Dagster storage test uses (``scripts/test-deps.sh``; ``ESF_TEST_PG_URL`` names another).

A fresh schema (``options=-csearch_path=…`` in the URL), dropped afterwards: the portal's own
migrations run there (``python -m portal manage migrate``), an account signs in through the
real settings, and the audit log refuses UPDATE and DELETE by its trigger. No SQLite file of
the portal is created in the data folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PG_URL = "postgresql://esf:esf@127.0.0.1:5432/esf_dagster_test"

CHECK = """
from portal.serve import setup
setup()
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.test import Client
from portal.web.models import Account, AuditEvent
assert connection.vendor == "postgresql", connection.vendor
user = User.objects.create_user("prj-a", password="ein-langes-Passwort-2025")
Account.objects.create(user=user, role="provider", provider_id="PRJ-A")
assert user.password.startswith("argon2$")
client = Client()
assert client.post("/signin/", {"username": "prj-a", "password": "ein-langes-Passwort-2025"}).status_code == 302
assert AuditEvent.objects.filter(action="sign_in").count() == 1
for sql in ("UPDATE web_auditevent SET username = 'x'", "DELETE FROM web_auditevent"):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as exc:
        assert "append-only" in str(exc), exc
    else:
        raise AssertionError("audit log changed: " + sql)
print("ok")
"""


@pytest.fixture
def pg_url():
    import psycopg2

    base = os.environ.get("ESF_TEST_PG_URL", DEFAULT_PG_URL)
    try:
        con = psycopg2.connect(base, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL nicht erreichbar / not reachable ({' '.join(str(exc).split())}); "
            "run scripts/test-deps.sh or set ESF_TEST_PG_URL",
            pytrace=False,
        )
    con.autocommit = True
    schema = f"esf_portal_{uuid.uuid4().hex[:12]}"
    with con.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query), ("options", f"-csearch_path={schema}")]
    try:
        yield urlunsplit(parts._replace(query=urlencode(query)))
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        con.close()


def test_the_portal_runs_on_postgresql(pg_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        ESF_DATA_DIR=str(tmp_path),
        ESF_PORTAL_DB_URL=pg_url,
        ESF_PORTAL_SECRET_KEY="k" * 50,
        ESF_PORTAL_ALLOWED_HOSTS="testserver",
    )
    subprocess.run(
        [sys.executable, "-m", "portal", "manage", "migrate", "--verbosity", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
    assert not (tmp_path / "portal" / "portal.sqlite3").exists()
