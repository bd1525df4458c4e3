"""What a `dbt build` has to rebuild: everything, the months from M on, or nothing new.

The rule (docs/decisions.md "Incremental dbt models: dbt's own materialisation and the build
rule"): the incremental models (delete+insert per month, dbt_project/macros/esf_rebuild.sql)
are rebuilt from the earliest reporting month whose loads changed since the last successful
build; a changed registry, a changed dbt project (model SQL and configs, any project macro,
the dbt version), a replaced record-key secret (its public fingerprint, the incremental
`int_record_keys` keeps the keys it has hashed) or no saved state at all means a full refresh.

``plan_build`` is pure; ``current_state`` reads the warehouse and the manifest; the state of
the last successful build is a JSON file in the data folder's dbt target dir, written only
after the build succeeded (``save_state``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

STATE_FILE = "esf_build_state.json"
REBUILD_FROM_ENV = "ESF_REBUILD_FROM"
#: every month (a full refresh does not read it)
FULL = "0000-00"
#: `rebuild_from` when nothing changed: no month is >= it, the incremental models keep all rows
NOTHING = "9999-99"
#: the raw tables whose loads feed the incremental models, stamped by `_loaded_at`
RAW_TABLES = ("participants", "followup", "target_population")


@dataclass(frozen=True)
class BuildPlan:
    full_refresh: bool
    rebuild_from: str | None  # first month to rebuild; None = nothing new (or a full refresh)

    def dbt_args(self) -> list[str]:
        """The arguments for `dbt build` / `dbt run` that carry out this plan."""
        return ["--full-refresh"] if self.full_refresh else []

    def env(self) -> dict[str, str]:
        """The environment of that dbt process: the first month to rebuild, read by
        dbt_project/macros/esf_rebuild.sql (an env var, not --vars: see there)."""
        return {REBUILD_FROM_ENV: FULL if self.full_refresh else self.rebuild_from or NOTHING}


def plan_build(previous: Mapping[str, Any] | None, current: Mapping[str, Any]) -> BuildPlan:
    """Compare the state of the last successful build with the state now.

    A state: ``registry_sha256`` (str | None), ``project_fingerprint`` (str),
    ``record_key_id`` (the secret's fingerprint, str | None) and ``months``
    ({reporting month: newest load stamp of that month, ISO text}).
    """
    if (
        previous is None
        or previous.get("registry_sha256") != current["registry_sha256"]
        or previous.get("project_fingerprint") != current["project_fingerprint"]
        or previous.get("record_key_id") != current.get("record_key_id")
    ):
        return BuildPlan(full_refresh=True, rebuild_from=None)
    before, now = previous.get("months", {}), current["months"]
    changed = [m for m in set(before) | set(now) if before.get(m) != now.get(m)]
    return BuildPlan(full_refresh=False, rebuild_from=min(changed) if changed else None)


def project_fingerprint(manifest: Mapping[str, Any]) -> str:
    """Checksum of the dbt project's logic from its manifest: every model's SQL checksum and
    config, every macro of the project (its SQL), the dbt version."""
    project = manifest["metadata"].get("project_name", "esf_monitor")
    parts = [manifest["metadata"]["dbt_version"]]
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] == "model":
            parts.append(
                f"{uid}\n{node['checksum']['checksum']}\n"
                f"{json.dumps(node['config'], sort_keys=True, default=str)}"
            )
    for uid, macro in sorted(manifest["macros"].items()):
        if macro["package_name"] == project:
            parts.append(f"{uid}\n{macro['macro_sql']}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def source_state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Registry checksum and, per reporting month, the newest load stamp (raw `_loaded_at`,
    deliveries' `processed_at`, accepted or rejected) in the warehouse now."""
    present = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    parts = [
        f"select _reporting_month as m, max(_loaded_at) as ts from raw.{t} group by 1"
        for t in RAW_TABLES
        if t in present
    ]
    if "deliveries" in present:
        # any delivery, also a rejected one: it adds its month's cut-off (cut-off rule v2)
        # (not a process-monitoring checklist: its waves feed only the process marts, which are
        # plain tables rebuilt by every build, docs/process-monitoring.md)
        parts.append(
            "select reporting_month, max(processed_at) from raw.deliveries "
            "where extract_type <> 'process_checklist' group by 1"
        )
    months: dict[str, str] = {}
    if parts:
        rows = con.execute(
            f"select m, cast(max(ts) as varchar) from ({' union all '.join(parts)}) group by m"
        ).fetchall()
        months = {m: ts for m, ts in rows if m is not None}
    registry = (
        con.execute("select max(_file_sha256) from raw.projects").fetchone()[0]
        if "projects" in present
        else None
    )
    return {"registry_sha256": registry, "months": months}


def current_state(warehouse: Path, manifest_path: Path, record_key_id: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"registry_sha256": None, "months": {}}
    if warehouse.exists():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            state = source_state(con)
        finally:
            con.close()
    state["project_fingerprint"] = project_fingerprint(json.loads(manifest_path.read_text()))
    state["record_key_id"] = record_key_id
    return state


def load_state(target_dir: Path) -> dict[str, Any] | None:
    path = target_dir / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else None


def save_state(target_dir: Path, state: Mapping[str, Any]) -> None:
    """Call only after the build succeeded: a failed build must be repeated, months and all."""
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True, indent=1))
    tmp.replace(target_dir / STATE_FILE)
