"""Column lineage of the dbt models (orchestration/lineage.py), on a tiny warehouse."""

from __future__ import annotations

import duckdb

from orchestration import lineage

SQL = (
    "select p.project_id, p.a + p.b as total, q.name\n"
    'from "esf"."raw"."p" as p join "esf"."raw"."q" as q on p.project_id = q.project_id'
)


def _setup(tmp_path):
    db = tmp_path / "esf.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.p (project_id varchar, a integer, b integer)")
    con.execute("create table raw.q (project_id varchar, name varchar)")
    compiled = tmp_path / "target" / "compiled" / "pkg" / "models" / "m.sql"
    compiled.parent.mkdir(parents=True)
    compiled.write_text(SQL, encoding="utf-8")
    manifest = {
        "nodes": {
            "model.pkg.m": {"language": "sql", "package_name": "pkg", "original_file_path": "models/m.sql"}
        },
        "sources": {
            "source.pkg.raw.p": {"schema": "raw", "identifier": "p", "name": "p"},
            "source.pkg.raw.q": {"schema": "raw", "identifier": "q", "name": "q"},
        },
        "parent_map": {"model.pkg.m": ["source.pkg.raw.p", "source.pkg.raw.q"]},
    }
    return con, tmp_path / "target", manifest


def test_each_output_column_is_traced_to_the_columns_it_is_computed_from(tmp_path, monkeypatch):
    con, target, manifest = _setup(tmp_path)
    tables = lineage.catalog(con)
    assert tables == {
        "raw": {
            "p": {"project_id": "VARCHAR", "a": "INTEGER", "b": "INTEGER"},
            "q": {"project_id": "VARCHAR", "name": "VARCHAR"},
        }
    }
    got = lineage.model_lineage(target, manifest, ["model.pkg.m"], tables)
    assert got == {
        "model.pkg.m": {
            "project_id": [["raw", "p", "project_id"]],
            "total": [["raw", "p", "a"], ["raw", "p", "b"]],
            "name": [["raw", "q", "name"]],
        }
    }
    # unchanged SQL and parents: from the cache, sqlglot not asked again
    monkeypatch.setattr(lineage, "trace", lambda *a: (_ for _ in ()).throw(AssertionError("traced")))
    assert lineage.model_lineage(target, manifest, ["model.pkg.m"], tables) == got
    # a parent's columns change: traced again
    con.execute("alter table raw.q add column extra integer")
    monkeypatch.undo()
    again = lineage.model_lineage(target, manifest, ["model.pkg.m"], lineage.catalog(con))
    assert again == got


def test_sql_sqlglot_cannot_read_gets_no_lineage_instead_of_a_failed_build(tmp_path):
    con, target, manifest = _setup(tmp_path)
    (target / "compiled" / "pkg" / "models" / "m.sql").write_text("select from where (", encoding="utf-8")
    assert lineage.model_lineage(target, manifest, ["model.pkg.m"], lineage.catalog(con)) == {
        "model.pkg.m": {}
    }
