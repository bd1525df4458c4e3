"""No private name of a dependency anywhere in the project's Python (issue #14, item 2).

Private = a name with one leading underscore (``_x``, not a dunder) that belongs to code we do
not own: Dagster's ``dagster._core…``, a dagster-dbt method starting with ``_``, the standard
library's ``os._exit`` or ``atexit._run_exitfuncs``, ``DuckDBConnectionManager._ENV``. Such a
name may change in any release without notice; every one of them pinned the project to a
version. dbt is only used through its documented programmatic entry point,
``dbt.cli.main.dbtRunner`` (and its result type); everything else under ``dbt.`` is internal.

What is flagged, found with ``ast`` (not a text grep, so comments and docstrings that explain
history do not count, and aliases do):

1. importing a private module or name of a non-project package
   (``import dagster._check``, ``from dagster._core.x import y``, ``from os import _exit``);
2. any ``import dbt…`` / ``from dbt… import`` except ``from dbt.cli.main import dbtRunner``
   (or ``dbtRunnerResult``);
3. a private attribute read off a name bound by importing a non-project module or object
   (``os._exit``, ``dg._core``, ``DbtCliResource._cli_version``, ``Manager._ENV``);
4. a class derived from a non-project class that overrides a private attribute of it
   (dagster-dbt's ``_initialize_dbt_core_adapter`` and the like: the base class is imported
   and asked, so a pandera model's own ``_key_unique`` check is not an override);
5. a Dagster instance yaml of the project naming a private module (``module: dagster._…``).

Private names of the project's own modules (``store._disk_entries``) are not a dependency's.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: every folder of project Python
SOURCE_DIRS = ("esf_monitor", "orchestration", "schemas", "bench", "tests", "portal", "scripts")
#: top-level import names that are the project's own (tests import their helpers by file name)
PROJECT = {"esf_monitor", "orchestration", "schemas", "bench", "tests", "portal", "conftest", "dbt_project"}
#: dbt's documented programmatic API (https://docs.getdbt.com/reference/programmatic-invocations)
DBT_PUBLIC = {("dbt.cli.main", "dbtRunner"), ("dbt.cli.main", "dbtRunnerResult")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _files() -> list[Path]:
    files = []
    for folder in SOURCE_DIRS:
        if (REPO / folder).is_dir():
            files.extend(p for p in (REPO / folder).rglob("*.py") if ".venv" not in p.parts)
    return sorted(files)


def _project_names() -> set[str]:
    # modules next to the tests (conftest, reference_model, …) are imported by their bare name
    return PROJECT | {p.stem for p in (REPO / "tests").rglob("*.py")}


def violations(source: str, filename: str = "<snippet>", project: set[str] | None = None) -> list[str]:
    """Every use of a dependency's private name in ``source`` ("file:line: what")."""
    project = PROJECT if project is None else project
    tree = ast.parse(source, filename)
    found: list[str] = []
    # local names bound to a dependency's module or object → (module, attribute or None)
    imported: dict[str, tuple[str, str | None]] = {}

    def foreign(module: str | None, level: int = 0) -> bool:
        return level == 0 and bool(module) and module.split(".")[0] not in project

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not foreign(alias.name):
                    continue
                if alias.asname:
                    imported[alias.asname] = (alias.name, None)
                else:
                    imported[alias.name.split(".")[0]] = (alias.name.split(".")[0], None)
                if any(_private(part) for part in alias.name.split(".")):
                    flag(node, f"import {alias.name}")
                elif alias.name.split(".")[0] == "dbt":
                    flag(node, f"import {alias.name} (dbt internals; use dbt.cli.main.dbtRunner)")
        elif isinstance(node, ast.ImportFrom) and foreign(node.module, node.level):
            module = node.module or ""
            for alias in node.names:
                imported[alias.asname or alias.name] = (module, alias.name)
                if any(_private(part) for part in module.split(".")) or _private(alias.name):
                    flag(node, f"from {module} import {alias.name}")
                elif module.split(".")[0] == "dbt" and (module, alias.name) not in DBT_PUBLIC:
                    flag(
                        node, f"from {module} import {alias.name} (dbt internals; use dbt.cli.main.dbtRunner)"
                    )

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in imported and _private(node.attr):
                flag(node, f"{base.id}.{'.'.join(reversed(chain))}")
        elif isinstance(node, ast.ClassDef):
            bases = [
                _resolve(b, imported)
                for b in node.bases
                if (b.id if isinstance(b, ast.Name) else _root(b)) in imported
            ]
            for item in node.body:
                if (
                    bases
                    and isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and _private(item.name)
                    and any(base is None or hasattr(base, item.name) for base in bases)
                ):
                    flag(item, f"class {node.name} overrides {item.name} of a dependency")
    return found


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _resolve(node: ast.expr, imported: dict[str, tuple[str, str | None]]):
    """The dependency's class a base-class expression names (None: cannot tell — then any
    private method counts as an override)."""
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    module, attr = imported[node.id]
    try:
        obj = importlib.import_module(module)
        for name in ([attr] if attr else []) + list(reversed(chain)):
            obj = getattr(obj, name)
    except (ImportError, AttributeError):
        return None
    return obj


YAML_MODULE = re.compile(r"^\s*module:\s*['\"]?([\w.]+)", re.MULTILINE)


def yaml_violations(text: str, filename: str = "<yaml>") -> list[str]:
    return [
        f"{filename}: module {m}"
        for m in YAML_MODULE.findall(text)
        if any(_private(part) for part in m.split("."))
    ]


# --- the project ------------------------------------------------------------------------------


def test_the_scan_sees_the_project():
    names = {p.relative_to(REPO).as_posix() for p in _files()}
    assert {
        "orchestration/cli.py",
        "orchestration/definitions.py",
        "tests/unit/test_no_private_names.py",
    } <= names


def test_no_private_name_of_a_dependency_in_the_project():
    project = _project_names()
    found = []
    for path in _files():
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)), project)
    assert found == []


def test_no_private_module_in_the_dagster_instance_yaml():
    found = []
    for path in sorted(REPO.glob("*.yaml")) + sorted(REPO.glob("orchestration/**/*.yaml")):
        found += yaml_violations(path.read_text(encoding="utf-8"), path.name)
    assert found == []


# --- the scanner itself: it catches what it must, and only that -------------------------------

PLANTED = {
    "import dagster._check as check": "import dagster._check",
    "from dagster._core.execution.backfill import BulkActionStatus": "from dagster._core.execution.backfill import BulkActionStatus",
    "from os import _exit": "from os import _exit",
    "import os\nos._exit(0)": "os._exit",
    "import atexit\natexit._run_exitfuncs()": "atexit._run_exitfuncs",
    "import dagster as dg\nx = dg._core.storage": "dg._core",
    "from dbt.adapters.duckdb.connections import DuckDBConnectionManager\n"
    "env = DuckDBConnectionManager._ENV": "DuckDBConnectionManager._ENV",
    "from dbt.adapters.duckdb.connections import DuckDBConnectionManager": "dbt internals",
    "import dbt.version": "import dbt.version",
    "from dagster_dbt import DbtCliResource\n"
    "class R(DbtCliResource):\n    def _initialize_dbt_core_adapter(self, args):\n"
    "        return None": "overrides _initialize_dbt_core_adapter",
    "import dagster_dbt\nclass R(dagster_dbt.DbtCliResource):\n    def _cli_version(self):\n"
    "        pass": "overrides _cli_version",
}


@pytest.mark.parametrize("snippet", list(PLANTED))
def test_a_planted_private_name_is_caught(snippet):
    found = violations(snippet)
    assert len(found) >= 1 and PLANTED[snippet] in " ".join(found), found


CLEAN = [
    "from dbt.cli.main import dbtRunner, dbtRunnerResult",
    "import dagster as dg\nkey = dg.AssetKey('x')",
    # the project's own private helpers are not a dependency's
    "from esf_monitor import store\nstore._disk_entries(p)",
    "from esf_monitor.store import _disk_entries",
    "from . import _helpers",
    # a namedtuple's documented _replace on a value, not on a module
    "from urllib.parse import urlsplit\nparts = urlsplit(u)\nparts._replace(query='')",
    # a subclass's own private helper that the dependency's class does not have
    "import pandera.polars as pa\nclass M(pa.DataFrameModel):\n"
    "    @pa.dataframe_check\n    def _key_unique(cls, df):\n        return True",
    # self/cls attributes and dunders
    "class A:\n    def _x(self):\n        return self._y",
    "import dagster\nv = dagster.__version__",
    "# dagster._core in a comment\n'''or dagster._core in a docstring'''",
]


@pytest.mark.parametrize("snippet", CLEAN)
def test_public_names_and_the_projects_own_are_not_flagged(snippet):
    assert violations(snippet) == []


def test_a_private_storage_class_in_a_yaml_is_caught():
    planted = "event_log_storage:\n  module: dagster._core.storage.event_log\n  class: X\n"
    assert yaml_violations(planted) == ["<yaml>: module dagster._core.storage.event_log"]
    assert yaml_violations("run_storage:\n  module: dagster_postgres\n") == []
