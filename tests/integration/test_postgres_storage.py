"""Dagster instance storage on a REAL PostgreSQL server when ``ESF_DAGSTER_PG_URL`` is set.

The server comes from ``scripts/test-deps.sh`` (run by ``make test`` and ``.ci/run``): it starts
the local cluster and creates role ``esf`` / database ``esf_dagster_test``. ``ESF_TEST_PG_URL``
names another server if you have one. A test that cannot reach the server FAILS (no skip): a
skipped storage test would let the PostgreSQL variant rot unnoticed.

Each run gets a fresh schema (``search_path`` in the URL's ``options``), dropped afterwards, so
reruns and two test sessions at once cannot see each other's runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import yaml

from esf_monitor import store
from esf_monitor.paths import DataDir

REPO = Path(__file__).resolve().parents[2]
HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
DEFAULT_PG_URL = "postgresql://esf:esf@127.0.0.1:5432/esf_dagster_test"
SQLITE_MAGIC = b"SQLite format 3\x00"


def _with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextlib.contextmanager
def _env(**values: str):
    """Set variables for a block; ESF_DATA_DIR, DAGSTER_HOME and ESF_DAGSTER_PG_URL (which
    prepare_instance sets or rewrites) are restored afterwards, for the tests that follow."""
    keys = {"ESF_DATA_DIR", "DAGSTER_HOME", "ESF_DAGSTER_PG_URL", *values}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _sqlite_files(root: Path) -> list[Path]:
    """Every file under ``root`` that is a SQLite database (by its header, whatever its name)."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                if fh.read(16) == SQLITE_MAGIC:
                    found.append(path)
    return found


@pytest.fixture(scope="module")
def pg_schema():
    """(URL with a fresh schema on its search_path, schema name, base URL); schema dropped after."""
    import psycopg2

    base = os.environ.get("ESF_TEST_PG_URL", DEFAULT_PG_URL)
    try:
        con = psycopg2.connect(base, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        reason = " ".join(str(exc).split())
        con = None
    if con is None:  # outside the except: the message alone, without a chained traceback
        pytest.fail(
            f"PostgreSQL nicht erreichbar / not reachable at {urlsplit(base).hostname}:"
            f"{urlsplit(base).port or 5432} ({reason}). Run `scripts/test-deps.sh` (starts the "
            "local server, creates role esf and database esf_dagster_test) or set "
            "ESF_TEST_PG_URL.",
            pytrace=False,
        )
    con.autocommit = True
    schema = f"esf_test_{uuid.uuid4().hex[:12]}"
    with con.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_search_path(base, schema), schema, base
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        con.close()


def _expected_partitions() -> dict[str, set[str]]:
    """The fixture's upload slots, read off its landing paths (provider/type/month.csv)."""
    slots: dict[str, set[str]] = {}
    for path in (HANDCALC / "landing").rglob("*.csv"):
        provider, extract_type = path.parent.parent.name, path.parent.name
        slots.setdefault(extract_type, set()).add(store.partition_key(provider, extract_type, path.stem))
    return slots


@pytest.fixture(scope="module")
def pg_run(pg_schema, tmp_path_factory):
    """One real pipeline run on the hand-calculation fixture with PostgreSQL storage."""
    from orchestration.driver import run_pending

    url, schema, _ = pg_schema
    root = tmp_path_factory.mktemp("pg") / "data"
    shutil.copytree(HANDCALC, root)
    dd = DataDir(root)
    with _env(ESF_DAGSTER_PG_URL=url):
        report = run_pending(dd)
    return dd, report, schema


def test_unset_variable_keeps_sqlite_under_the_data_folder(data_dir, monkeypatch):
    """The control: without the variable the instance is SQLite files in dagster_home/ (so the
    "no SQLite file" check below is not vacuous)."""
    from orchestration.driver import prepare_instance

    monkeypatch.delenv("ESF_DAGSTER_PG_URL", raising=False)
    dd = DataDir(data_dir)
    instance = prepare_instance(dd)
    try:
        # Dagster's stock storage: no storage block of ours, the default SQLite classes
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert (dd.dagster_home / "dagster.yaml").read_text() == (
            REPO / "orchestration" / "instance" / "dagster.yaml"
        ).read_text()
        assert _sqlite_files(dd.dagster_home), "SQLite storage expected under dagster_home/"
    finally:
        instance.dispose()


def test_bare_postgresql_url_is_pinned_to_psycopg2_explicit_driver_kept(monkeypatch):
    """SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which dagster-postgres does not use."""
    from orchestration.driver import _pin_pg_driver

    for given, expected in [
        ("postgresql://u:p@db:5433/x", "postgresql+psycopg2://u:p@db:5433/x"),
        ("postgres://u@db/x", "postgresql+psycopg2://u@db/x"),
        ("postgresql+psycopg2://u@db/x", "postgresql+psycopg2://u@db/x"),
    ]:
        monkeypatch.setenv("ESF_DAGSTER_PG_URL", given)
        _pin_pg_driver()
        assert os.environ["ESF_DAGSTER_PG_URL"] == expected


def test_instance_yaml_names_the_variable_and_keeps_the_base_settings(pg_run, pg_schema):
    dd, _, _ = pg_run
    url, _, _ = pg_schema
    written = (dd.dagster_home / "dagster.yaml").read_text()
    config = yaml.safe_load(written)
    base = yaml.safe_load((REPO / "orchestration" / "instance" / "dagster.yaml").read_text())
    # telemetry off and the warehouse pool limit of 1, exactly as in the SQLite variant
    assert {k: v for k, v in config.items() if k != "storage"} == base
    assert config["storage"] == {"postgres": {"postgres_url": {"env": "ESF_DAGSTER_PG_URL"}}}
    assert url not in written and ":esf@" not in written  # the password never lands on disk


def test_runs_materialisations_and_partitions_are_in_postgres(pg_run, pg_schema):
    from dagster import AssetKey, DagsterRunStatus
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    from orchestration.driver import prepare_instance

    dd, report, _ = pg_run
    url, _, _ = pg_schema
    expected = _expected_partitions()
    assert report.ok, report.failed
    assert sorted(k for k, _ in report.ingested) == sorted(k for ks in expected.values() for k in ks)

    with _env(ESF_DAGSTER_PG_URL=url):  # the instance `make ui` would load afterwards
        instance = prepare_instance(dd)
    try:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

        # one ingest run per extract type (each type's new slots are one contiguous block),
        # then one refresh for the burst
        runs = instance.get_runs()
        assert sorted(r.job_name for r in runs) == sorted(
            [f"ingest_{t}" for t in expected] + ["refresh_indicators"]
        )
        assert {r.status for r in runs} == {DagsterRunStatus.SUCCESS}

        for extract_type, keys in expected.items():
            assert set(instance.get_dynamic_partitions(f"{extract_type}_files")) == keys
            assert instance.get_materialized_partitions(AssetKey(f"raw_{extract_type}")) == keys
        for asset in ("registry", "delivery_log", "dashboards"):
            assert instance.get_latest_materialization_event(AssetKey(asset)) is not None
    finally:
        instance.dispose()


def test_postgres_tables_hold_them_directly(pg_run, pg_schema):
    """The same facts read with plain SQL from the test's schema (not via Dagster's API)."""
    import psycopg2

    _, _, schema = pg_run
    _, _, base = pg_schema
    expected = _expected_partitions()
    with psycopg2.connect(base) as con, con.cursor() as cur:
        cur.execute(f'SELECT pipeline_name, status FROM "{schema}".runs ORDER BY pipeline_name')
        assert cur.fetchall() == sorted(
            [(f"ingest_{t}", "SUCCESS") for t in expected] + [("refresh_indicators", "SUCCESS")]
        )
        cur.execute(f'SELECT partitions_def_name, partition FROM "{schema}".dynamic_partitions')
        assert sorted(cur.fetchall()) == sorted(
            (f"{t}_files", k) for t, keys in expected.items() for k in keys
        )
        for extract_type, keys in expected.items():
            cur.execute(
                f'SELECT DISTINCT partition FROM "{schema}".event_logs '
                "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND asset_key = %s",
                (f'["raw_{extract_type}"]',),
            )
            assert {row[0] for row in cur.fetchall()} == keys
    con.close()


def test_no_sqlite_storage_under_dagster_home(pg_run):
    dd, _, _ = pg_run
    assert _sqlite_files(dd.dagster_home) == []
    assert not list(dd.dagster_home.rglob("*.db"))
