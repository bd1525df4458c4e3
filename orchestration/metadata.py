"""What the Dagster UI shows about an asset besides its data: table metadata read from the
warehouse, the per-slot intake outcome, owners per group and the dashboard pages an asset feeds.

Only Dagster's documented metadata keys (``dagster/row_count``, ``dagster/partition_row_count``,
``dagster/column_schema``, ``dagster/table_name``) and public metadata values are used, so the UI
draws them as a table's row count and schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg

# --- tables of the warehouse ---------------------------------------------------------------------


def column_schema(con, schema: str, table: str) -> dg.TableSchema:
    """The columns of ``schema.table`` with the types DuckDB stores (one catalog query)."""
    rows = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, data_type, constraints=dg.TableColumnConstraints(nullable=nullable == "YES"))
            for name, data_type, nullable in rows
        ]
    )


def table_metadata(con, schema: str, table: str) -> dict:
    """Row count, column types and name of one warehouse table, for a materialisation."""
    (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
    return {
        "dagster/row_count": int(rows),
        "dagster/column_schema": column_schema(con, schema, table),
        "dagster/table_name": f"esf.{schema}.{table}",
    }


# --- intake: one upload slot ---------------------------------------------------------------------

#: columns of the ``outcomes`` table (one row per slot of a run)
OUTCOME_COLUMNS = [
    dg.TableColumn("slot", "string", description="Upload-Slot / upload slot <provider>|<type>|<YYYY-MM>"),
    dg.TableColumn("status", "string", description="accepted | rejected | unchanged | skipped | deferred"),
    dg.TableColumn("rows", "int", description="Zeilen der Datei / rows of the file"),
    dg.TableColumn("errors", "int"),
    dg.TableColumn("warnings", "int"),
    dg.TableColumn("incomplete", "int", description="Kerndaten unvollständig / incomplete core data"),
]


def slot_status(outcome) -> str:
    """One word for what happened to a slot in this run (``outcome`` None = skipped)."""
    if outcome is None:
        return "skipped"
    if outcome.deferred:
        return "deferred"
    return outcome.record.status


def outcome_table(rows: Iterable[tuple[str, object]]) -> dg.TableMetadataValue:
    """The slots of a run as a table (slot keys contain ``|``: a Markdown table breaks on them)."""
    records = []
    for key, outcome in rows:
        rec = outcome.record if outcome is not None and not outcome.deferred else None
        status = slot_status(outcome) + (" (unchanged)" if rec is not None and outcome.unchanged else "")
        records.append(
            dg.TableRecord(
                {
                    "slot": key,
                    "status": status,
                    "rows": rec.row_count if rec else 0,
                    "errors": rec.error_count if rec else 0,
                    "warnings": rec.warning_count if rec else 0,
                    "incomplete": rec.incomplete_count if rec else 0,
                }
            )
        )
    return dg.MetadataValue.table(records, schema=dg.TableSchema(columns=OUTCOME_COLUMNS))


def slot_metadata(key: str, outcome, rows_in_table: int, versions: int | None) -> dict:
    """The metadata of ONE partition (its own file, its own rows — never the run's totals)."""
    status = slot_status(outcome)
    meta: dict = {"slot": key, "status": status, "dagster/partition_row_count": rows_in_table}
    if status in ("skipped", "deferred"):
        meta["note"] = (
            "keine angenommene Version zum Neuladen / no accepted version to reload"
            if status == "skipped"
            else "Datei änderte sich beim Lesen, nächster Lauf / file changed while being read, next run"
        )
        return meta
    rec = outcome.record
    meta.update(
        {
            "unchanged": bool(outcome.unchanged),
            "file_rows": rec.row_count,
            "errors": rec.error_count,
            "warnings": rec.warning_count,
            "incomplete_core_data": rec.incomplete_count,
            "sha256": rec.sha256,
            "file": rec.file_name,
            "arrived_at": rec.arrived_at,
        }
    )
    if versions is not None:
        meta["versions"] = versions
    if rec.quarantine_path:
        meta["quarantine"] = dg.MetadataValue.path(rec.quarantine_path)
        report = Path(rec.quarantine_path + ".errors.csv")
        if report.exists():
            meta["report"] = dg.MetadataValue.path(str(report))
    if status == "rejected":
        meta["raw_table"] = (
            "unverändert: die zuletzt angenommene Version bleibt / unchanged: the last accepted version stays"
        )
        meta["summary"] = dg.MetadataValue.md(f"{rec.summary_de}\n\n{rec.summary_en}")
    return meta


#: run tag with the outcome of an intake run, shown in the runs list (filterable)
OUTCOME_TAG = "esf/outcome"


def run_outcome(statuses: Iterable[str]) -> str:
    """accepted | rejected | partly_rejected | nothing_loaded, over the slots of one run."""
    done = [s for s in statuses if s in ("accepted", "rejected")]
    if not done:
        return "nothing_loaded"
    if all(s == "rejected" for s in done):
        return "rejected"
    return "partly_rejected" if "rejected" in done else "accepted"


# --- owners per group ------------------------------------------------------------------------------

#: who answers for the assets of a group (Dagster owners: ``team:<name>`` or an e-mail address)
OWNERS_BY_GROUP: Mapping[str, list[str]] = {
    "sources": ["team:verwaltungsbehoerde"],  # the registry files, the providers' landing folder
    "intake": ["team:datenteam"],
    "monitoring": ["team:datenteam"],
    "staging": ["team:datenteam"],
    "intermediate": ["team:datenteam"],
    "marts": ["team:datenteam", "team:analyse"],
    "publish": ["team:verwaltungsbehoerde", "team:datenteam"],
}
#: a group not listed (a new dbt folder, say) is the data team's until someone names an owner
DEFAULT_OWNERS = ["team:datenteam"]


def owners_for(group: str | None) -> list[str]:
    return list(OWNERS_BY_GROUP.get(group or "", DEFAULT_OWNERS))


# --- which dashboard pages an asset feeds ----------------------------------------------------------

#: the pages each mart's figures appear on (esf_monitor/dashboard/pages.py; file names below
#: dashboards/internal/ and, perturbed, dashboards/public/)
PAGES_BY_MART: Mapping[str, list[str]] = {
    "indicators": ["overview.html", "projects/<project_id>.html", "index.html"],
    "common_indicators": ["projects/<project_id>.html"],
    "participant_breakdowns": ["overview.html", "projects/<project_id>.html"],
    "delivery_status": ["overview.html", "projects/<project_id>.html"],
    "sfc_table": ["sfc.html"],
    # process monitoring (docs/process-monitoring.md): the programme's page, and the
    # municipality's own page beside the programme's shares (internal set only)
    "process_items": ["process.html", "municipalities/<municipality_id>.html"],
    "process_responsibility": ["process.html"],
    "process_change": ["process.html"],
    "process_waves": ["process.html"],
}
#: pages only in the internal set (a municipality's own answers are not published)
INTERNAL_ONLY_PAGES = ("municipalities/<municipality_id>.html",)
ALL_PAGES = ["index.html", "overview.html", "sfc.html", "projects/<project_id>.html"]
#: the process monitoring pages (esf_monitor/dashboard/process.py), built when exports/process/
#: exists; a municipality's own page is internal only
PROCESS_PAGES = {
    "internal": ["process.html", "municipalities/<municipality_id>.html"],
    "public": ["process.html"],
}
#: publish assets: which set of pages they write or feed
PAGES_OF_PUBLISH_ASSET: Mapping[str, list[str]] = {
    # the internal pages read the exports
    "indicator_exports": [f"internal/{p}" for p in ALL_PAGES + PROCESS_PAGES["internal"]],
    "dashboards": [f"internal/{p}" for p in ALL_PAGES + PROCESS_PAGES["internal"]],
    "public_release_candidate": [f"public/{p}" for p in ALL_PAGES + PROCESS_PAGES["public"]],
    "public_release": [f"public/{p}" for p in ALL_PAGES + PROCESS_PAGES["public"]],
}
#: definition metadata key naming the pages
PAGES_KEY = "esf/dashboard_pages"


def _mart_pages(mart: str) -> list[str]:
    # the internal pages show the exact figures, the public ones the cell-key perturbed release
    return [
        f"{audience}/{p}"
        for audience in ("internal", "public")
        for p in PAGES_BY_MART[mart]
        if audience == "internal" or p not in INTERNAL_ONLY_PAGES
    ]


def dashboard_pages(specs: Iterable[dg.AssetSpec]) -> dict[dg.AssetKey, list[str]]:
    """Asset key → the dashboard pages (below dashboards/) its data reach, through the marts.

    A mart feeds its own pages; anything upstream feeds the pages of every mart it reaches;
    the publish assets name the set they write. Assets that reach no page get no entry.
    """
    specs = list(specs)
    children: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for spec in specs:
        for dep in spec.deps:
            children.setdefault(dep.asset_key, set()).add(spec.key)
    marts = {dg.AssetKey(m) for m in PAGES_BY_MART}

    def reached_marts(key: dg.AssetKey) -> set[dg.AssetKey]:
        seen, todo = set(), [key]
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            if k not in marts:  # a mart's own downstream (exports, release) are no new pages
                todo.extend(children.get(k, ()))
        return seen & marts

    out: dict[dg.AssetKey, list[str]] = {}
    keys = {s.key for s in specs} | set(children)
    for key in keys:
        name = key.to_user_string()
        if name in PAGES_OF_PUBLISH_ASSET:
            pages = set(PAGES_OF_PUBLISH_ASSET[name])
        else:
            pages = {p for m in reached_marts(key) for p in _mart_pages(m.to_user_string())}
        if pages:
            out[key] = sorted(pages)
    return out


def describe_assets(assets: list) -> list:
    """Owners per group and the dashboard pages each asset feeds, on every asset definition and
    external asset spec of the code location (one place, so a new asset gets both too)."""
    specs = [s for a in assets for s in (a.specs if isinstance(a, dg.AssetsDefinition) else [a])]
    pages = dashboard_pages(specs)

    def describe(spec: dg.AssetSpec) -> dg.AssetSpec:
        spec = spec.replace_attributes(owners=spec.owners or owners_for(spec.group_name))
        if spec.key in pages:
            spec = spec.merge_attributes(metadata={PAGES_KEY: pages[spec.key]})
        return spec

    return list(dg.map_asset_specs(describe, assets))


# --- dbt models: row counts and column types, read once after the build ----------------------------


def model_table_metadata(con, relations: Mapping[str, tuple[str, str]]) -> dict[str, dict]:
    """``{unique_id: (schema, name)}`` → row count, column types and table name of each built
    model, in two queries for the whole build (one catalog read, one ``union all`` of counts).

    Why not dagster-dbt's ``fetch_row_counts()`` / ``fetch_column_metadata()``: with DuckDB they
    open the warehouse READ-WRITE inside this process through dbt's adapter and keep it open, so
    every later read-only connection of the same run (great-expectations, exports, the release)
    fails with "different configuration than existing connections"; and they query once per
    model (and per parent). Views are counted too: the staging and intermediate views are
    what the marts read.
    """
    if not relations:
        return {}
    wanted = {(s, n): uid for uid, (s, n) in relations.items()}
    columns: dict[str, list] = {uid: [] for uid in relations}
    for schema, table, name, data_type, nullable in con.execute(
        "select table_schema, table_name, column_name, data_type, is_nullable "
        "from information_schema.columns where table_catalog = current_database() "
        "order by table_schema, table_name, ordinal_position"
    ).fetchall():
        uid = wanted.get((schema, table))
        if uid is not None:
            columns[uid].append(
                dg.TableColumn(
                    name, data_type, constraints=dg.TableColumnConstraints(nullable=nullable == "YES")
                )
            )
    present = [uid for uid in relations if columns[uid]]  # a model that failed to build is absent
    counts = {}
    if present:
        union = " union all ".join(
            f'select {i} as i, count(*) as n from "{relations[uid][0]}"."{relations[uid][1]}"'
            for i, uid in enumerate(present)
        )
        counts = {present[i]: n for i, n in con.execute(union).fetchall()}
    return {
        uid: {
            "dagster/row_count": int(counts[uid]),
            "dagster/column_schema": dg.TableSchema(columns=columns[uid]),
            "dagster/table_name": f"esf.{relations[uid][0]}.{relations[uid][1]}",
        }
        for uid in present
    }
