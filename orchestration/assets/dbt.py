"""The dbt project as Dagster assets: every model is an asset, every dbt test an asset check.

Sources map to the intake assets through ``meta.dagster.asset_key`` in
``dbt_project/models/staging/_esf__sources.yml``, so the lineage runs landing → raw → staging
→ intermediate → marts in the UI.
"""

import os
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from esf_monitor.disclosure import keys
from orchestration import dbt_build_plan
from orchestration.assets.intake import WAREHOUSE_POOL
from orchestration.lineage import catalog, model_lineage
from orchestration.metadata import model_table_metadata, owners_for
from orchestration.resources import DataFolder, Warehouse, esf_dbt_project

#: the schedule and job that run the tests a lone upload's run skips (orchestration/jobs.py)
NIGHTLY_NOTE = (
    "Läuft jede Nacht (Zeitplan dbt_tests_nightly, 02:30 Berlin) und mit jedem Lauf "
    "refresh_indicators; der Lauf einer einzelnen Lieferung (upload_<type>) prüft nur die Marts, "
    "dort steht dieser Test auf „nicht ausgewertet“ / runs every night (schedule "
    "dbt_tests_nightly, 02:30 Berlin) and with every refresh_indicators run; a lone upload's run "
    "(upload_<type>) tests the marts only, so there this test shows “not evaluated”."
)


def _values(values) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values)


def _ref_name(to: str) -> str:
    """``ref('stg_esf__projects')`` → ``stg_esf__projects``."""
    return to.split("(", 1)[-1].rstrip(")").strip("'\" ") if "(" in to else to


def _comment(raw_code: str) -> str:
    """The leading ``{#- … -#}`` comment of a singular test (its explanation in the SQL file)."""
    code = raw_code.lstrip()
    if not code.startswith("{#"):
        return ""
    return " ".join(code[2:].split("#}", 1)[0].strip("- \n").split())


def test_description(test: Mapping[str, Any], model: Mapping[str, Any] | None) -> str:
    """German, then English: what the dbt test asserts, from its YAML (test, arguments, the
    column's description) — dagster-dbt alone shows a check without any description."""
    meta = test.get("test_metadata") or {}
    kind, kwargs = meta.get("name"), meta.get("kwargs") or {}
    column = test.get("column_name") or kwargs.get("column_name")
    own = test.get("description") or (test.get("meta") or {}).get("description") or ""
    if kind == "not_null":
        text = f"Spalte `{column}` ist nie leer / column `{column}` is never empty."
    elif kind == "unique":
        text = f"Jeder Wert von `{column}` kommt einmal vor / every value of `{column}` is unique."
    elif kind == "accepted_values":
        vals = _values(kwargs.get("values", []))
        text = f"`{column}` nur aus {{{vals}}} / `{column}` only holds {{{vals}}}."
    elif kind == "relationships":
        to, field = _ref_name(str(kwargs.get("to", ""))), kwargs.get("field")
        text = (
            f"Jeder Wert von `{column}` steht in `{to}.{field}` / every value of `{column}` "
            f"exists in `{to}.{field}`."
        )
    elif kind == "unique_combination_of_columns":
        cols = _values(kwargs.get("combination", []))
        text = f"Keine zwei Zeilen mit gleichem ({cols}) / no two rows share ({cols})."
    elif kind:
        args = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k not in ("model", "column_name"))
        text = f"dbt-Test `{kind}` ({args}) / dbt test `{kind}` ({args})."
    else:  # a singular test (tests/*.sql): its YAML description, else its leading comment
        text = own or _comment(test.get("raw_code", "")) or f"dbt-Test / dbt test `{test['name']}`."
        own = ""
    parts = [text]
    if own:
        parts.append(own)
    column_doc = ((model or {}).get("columns") or {}).get(column or "", {}).get("description")
    if column_doc:
        parts.append(f"Spalte / column `{column}`: {column_doc.strip()}")
    severity = ((test.get("config") or {}).get("severity") or "error").lower()
    parts.append(
        "Schwere / severity: error (blockiert / blocking)"
        if severity == "error"
        else f"Schwere / severity: {severity}"
    )
    return "\n\n".join(parts)


class EsfDbtTranslator(DagsterDbtTranslator):
    """Groups by dbt folder (staging / intermediate / marts) so the UI reads like the project;
    owners per group; every dbt test check gets a description from its YAML."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # A model's key is its name (the name an analyst reads in the dashboard's source note),
        # not schema-prefixed; sources keep their meta mapping to the intake assets.
        if dbt_resource_props.get("resource_type") in ("model", "seed", "snapshot"):
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return owners_for(self.get_group_name(dbt_resource_props))

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        attached = test.get("attached_node") or next(
            (p for p in manifest["parent_map"].get(unique_id, []) if p.startswith("model.")), None
        )
        model = manifest["nodes"].get(attached) if attached else None
        description = test_description(test, model)
        if model is not None and self.get_group_name(model) != "marts":
            description += "\n\n" + NIGHTLY_NOTE
        return dg.AssetCheckSpec(
            spec.name,
            asset=spec.asset_key,
            description=description,
            additional_deps=spec.additional_deps,
            blocking=spec.blocking,
            metadata=spec.metadata,
        )


def with_table_metadata(events, manifest, warehouse: Warehouse, target=None):
    """The dbt events, each model's materialisation with its row count and column types from
    the warehouse (orchestration.metadata.model_table_metadata: two queries per build) and its
    column lineage (orchestration.lineage, cached per compiled SQL)."""
    built = {}
    for event in events:
        if isinstance(event, dg.Output | dg.AssetMaterialization) and "unique_id" in event.metadata:
            node = manifest["nodes"].get(event.metadata["unique_id"].text)
            if node and node.get("resource_type") == "model":
                built[node["unique_id"]] = (node["schema"], node.get("alias") or node["name"])
    meta, deps = {}, {}
    if built:
        with warehouse.connect(read_only=True) as con:
            meta = model_table_metadata(con, built)
            tables = catalog(con) if target is not None else {}
        if target is not None:
            deps = model_lineage(target, manifest, built, tables)
    keys = relation_keys(manifest)
    for event in events:
        uid = event.metadata["unique_id"].text if "unique_id" in event.metadata else None
        if uid in meta and isinstance(event, dg.Output | dg.AssetMaterialization):
            extra = dict(meta[uid])
            by_column = {
                column: [
                    dg.TableColumnDep(asset_key=keys[(s, t)], column_name=c)
                    for s, t, c in sources
                    if (s, t) in keys
                ]
                for column, sources in deps.get(uid, {}).items()
            }
            if any(by_column.values()):
                extra["dagster/column_lineage"] = dg.TableColumnLineage(
                    deps_by_column={c: d for c, d in by_column.items() if d}
                )
            yield event.with_metadata({**event.metadata, **extra})
        else:
            yield event


def relation_keys(manifest) -> dict[tuple[str, str], dg.AssetKey]:
    """(schema, table) of every model and source → its Dagster asset key."""
    out = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") == "model":
            out[(node["schema"], node.get("alias") or node["name"])] = TRANSLATOR.get_asset_key(node)
    for source in manifest["sources"].values():
        out[(source["schema"], source.get("identifier") or source["name"])] = TRANSLATOR.get_asset_key(source)
    return out


#: duplicate source keys: the registry asset writes three raw tables (projects, municipalities,
#: checklist_items), each a dbt source mapped to the one asset ``registry``
TRANSLATOR = EsfDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


@dbt_assets(
    manifest=esf_dbt_project.manifest_path,
    project=esf_dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
)
def esf_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, data_folder: DataFolder, warehouse: Warehouse
):
    """`dbt build`: staging views, intermediate, marts, the data tests of every model and the
    SFC2021 rules; the incremental models from the months orchestration/dbt_build_plan.py finds
    changed since the last successful build (or a full refresh).

    dbt unit tests check the SQL, not the data: they run in the test suite
    (tests/integration/test_dbt_project.py), not on every production build.
    """
    if context.selected_asset_keys:
        # the run goes on to the great-expectations checks: import GX while dbt works
        from esf_monitor import quality

        quality.warm_up_in_background()
    dd = data_folder.dd
    target = dd.dbt_target
    record_key_id = keys.key_id(keys.ensure_secret(dd.root))
    state = dbt_build_plan.current_state(dd.warehouse, esf_dbt_project.manifest_path, record_key_id)
    plan = dbt_build_plan.plan_build(dbt_build_plan.load_state(target), state)
    os.environ.update(plan.env())  # builds never overlap (pool warehouse)
    invocation = dbt.cli(
        ["build", "--exclude-resource-type", "unit_test", *plan.dbt_args()],
        context=context,
        target_path=target,
    )
    # DuckDB has one writer: the tables can be read only once dbt has exited, so the events
    # are held until then and leave with each model's row count and column types
    events, failure = [], None
    try:
        for event in invocation.stream():
            events.append(event)
    except Exception as exc:  # dbt failed: what it did build still reports, then the failure
        failure = exc
    yield from with_table_metadata(events, invocation.manifest, warehouse, target)
    if failure is not None:
        raise failure
    if context.selected_asset_keys == context.assets_def.keys:  # a subset leaves months undone
        dbt_build_plan.save_state(target, state)


# dbt's target/ is the data folder's ``dagster_home/dbt_target``, kept between runs, not
# dagster-dbt's default (a fresh ``target/<run>`` per build, seeded with the project's
# ``target/partial_parse.msgpack``): that file was parsed for whichever data folder prepared
# the manifest last (tests, another ``ESF_DATA_DIR``), and dbt throws it away when the profile
# differs ("profile has changed") — a full parse on every build. One folder per data folder
# keeps dbt's partial parse valid from one build to the next. Builds never overlap: every dbt
# build is in pool ``warehouse`` (limit 1).
