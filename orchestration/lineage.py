"""Column lineage of the dbt models for the Dagster UI (``dagster/column_lineage``), cached.

sqlglot traces every output column of a model's compiled SQL back to the columns of the
tables it reads (the same library dagster-dbt uses inside ``fetch_column_metadata``, which this
project cannot call with DuckDB: docs/decisions.md). Tracing all models takes tens of seconds,
but the result depends only on the compiled SQL and the columns of the model's parents, not on
the data: it is kept in ``<dbt target>/esf_column_lineage.json`` under a checksum of exactly
those inputs, so a build traces only the models whose SQL or parents changed.

A column sqlglot cannot trace (the marts' ``UNPIVOT … COLUMNS(…)``, the Python model) gets no
entry rather than a wrong one; only leaves that are real tables of the build are kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path

CACHE_FILE = "esf_column_lineage.json"
#: sqlglot warns once per column it cannot traverse (UNPIVOT): expected, not news
logging.getLogger("sqlglot").setLevel(logging.ERROR)


def catalog(con) -> dict[str, dict[str, dict[str, str]]]:
    """``{schema: {table: {column: type}}}`` of the warehouse (one query)."""
    out: dict = {}
    for schema, table, column, data_type in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() order by table_schema, table_name, ordinal_position"
    ).fetchall():
        out.setdefault(schema, {}).setdefault(table, {})[column] = data_type
    return out


def trace(sql: str, tables: Mapping[str, Mapping[str, Mapping[str, str]]]) -> dict[str, list[list[str]]]:
    """Output column → ``[[schema, table, column], …]`` it is computed from (sqlglot)."""
    from sqlglot import exp, parse_one
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import build_scope

    schema = {"esf": tables}
    query = qualify(
        parse_one(sql, dialect="duckdb"), schema=schema, dialect="duckdb", validate_qualify_columns=False
    )
    scope = build_scope(query)
    out: dict[str, list[list[str]]] = {}
    for column in query.named_selects:
        try:
            root = lineage(column, query, schema=schema, dialect="duckdb", scope=scope, copy=False)
        except Exception:  # noqa: BLE001 — an untraceable column gets no lineage, not a failed build
            continue
        deps = set()
        for node in root.walk():
            if node.downstream or not isinstance(node.expression, exp.Table):
                continue
            db, table = node.expression.args.get("db"), node.expression.this
            db_name = db.name if db is not None else ""
            col = node.name.split(".")[-1].strip('"')
            if table.name in tables.get(db_name, {}) and col in tables[db_name][table.name]:
                deps.add((db_name, table.name, col))
        if deps:
            out[column] = [list(d) for d in sorted(deps)]
    return out


def model_lineage(
    target: Path, manifest: Mapping, unique_ids, tables: Mapping[str, Mapping[str, Mapping[str, str]]]
) -> dict[str, dict[str, list[list[str]]]]:
    """Lineage of each SQL model in ``unique_ids``: from the cache when its compiled SQL and its
    parents' columns are unchanged, else traced (and cached)."""
    cache_path = Path(target) / CACHE_FILE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    out, changed = {}, False
    for uid in unique_ids:
        node = manifest["nodes"].get(uid) or {}
        if node.get("language") != "sql":
            continue
        compiled = Path(target) / "compiled" / node["package_name"] / node["original_file_path"]
        try:
            sql = compiled.read_text(encoding="utf-8")
        except OSError:
            continue
        parents = {}
        for parent in manifest["parent_map"].get(uid, []):
            props = manifest["nodes"].get(parent) or manifest["sources"].get(parent) or {}
            name = props.get("alias") or props.get("identifier") or props.get("name")
            parents[f"{props.get('schema')}.{name}"] = tables.get(props.get("schema"), {}).get(name, {})
        key = hashlib.sha256(json.dumps([sql, parents], sort_keys=True).encode()).hexdigest()
        if cache.get(uid, {}).get("key") != key:
            try:
                deps = trace(sql, tables)
            except Exception:  # noqa: BLE001 — SQL sqlglot cannot parse: no lineage for it
                deps = {}
            cache[uid] = {"key": key, "deps": deps}
            changed = True
        out[uid] = cache[uid]["deps"]
    if changed:
        tmp = cache_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        tmp.replace(cache_path)
    return out
