"""The layout shows the architecture (issue #14, items 1, 4, 5): who may import whom.

- ``esf_monitor/`` is the domain: it never imports ``orchestration`` (what runs when is not its
  business) nor ``bench``;
- the code location (definitions, assets, checks, jobs, sensors, schedules, planning,
  resources) never imports the command line's driver or the CLI: the driver executes what the
  code location's policy (planning) decides, never the other way round;
- planning decides from observations: it imports no asset, job or sensor module;
- importing the code location has no side effect: no environment variable set, no dbt started.

Imports are read with ``ast`` (module level and inside functions alike), followed transitively
through the project's own modules.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OWN = ("esf_monitor", "orchestration", "schemas", "bench", "dbt_project")


def module_file(module: str) -> Path | None:
    base = REPO / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def direct_imports(module: str) -> frozenset[str]:
    path = module_file(module)
    if path is None:
        return frozenset()
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)  # `from pkg import module`
    return frozenset(m for m in found if m.split(".")[0] in OWN and module_file(m))


def reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        for dep in direct_imports(todo.pop()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def modules_under(package: str) -> list[str]:
    return sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in (REPO / package).rglob("*.py")
    )


CODE_LOCATION = [
    "orchestration.definitions",
    "orchestration.sensors",
    "orchestration.schedules",
    "orchestration.jobs",
    "orchestration.checks",
    "orchestration.planning",
    "orchestration.resources",
    *modules_under("orchestration/assets"),
]


def test_the_domain_imports_no_orchestration_and_no_benchmark():
    offenders = {
        m: sorted(d for d in direct_imports(m) if d.split(".")[0] in ("orchestration", "bench"))
        for m in modules_under("esf_monitor")
    }
    assert {m: d for m, d in offenders.items() if d} == {}


def test_the_code_location_never_imports_the_driver_or_the_cli():
    for module in CODE_LOCATION:
        assert not reachable(module) & {"orchestration.driver", "orchestration.cli"}, module


def test_planning_decides_without_assets_jobs_or_sensors():
    forbidden = {
        "orchestration.definitions",
        "orchestration.sensors",
        "orchestration.jobs",
        "orchestration.schedules",
        *modules_under("orchestration/assets"),
    }
    assert not reachable("orchestration.planning") & forbidden


def test_the_sensors_and_the_driver_share_the_policy():
    assert "orchestration.planning" in direct_imports("orchestration.sensors")
    assert "orchestration.planning" in direct_imports("orchestration.driver")


def test_importing_the_code_location_has_no_side_effect(tmp_path):
    """None of the project's environment variables (ESF_*, DAGSTER_*, DBT_*, PATH) set and no dbt
    started by the import alone. (Libraries set their own variables and probe the platform at
    import — pyarrow, polars, the standard library's ``platform`` —; those are not ours.)"""
    probe = (
        "import json, os, subprocess\n"
        "started = []\n"
        "real = subprocess.Popen.__init__\n"
        "def spy(self, *a, **k):\n"
        "    started.append(str(a[0] if a else k.get('args')))\n"
        "    real(self, *a, **k)\n"
        "subprocess.Popen.__init__ = spy\n"
        "before = dict(os.environ)\n"
        "import orchestration.definitions\n"
        "after = dict(os.environ)\n"
        "changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))\n"
        "print(json.dumps({'changed': changed, 'started': started}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESF_", "DAGSTER_"))}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert [k for k in seen["changed"] if k.startswith(("ESF_", "DAGSTER_", "DBT_")) or k == "PATH"] == []
    assert [cmd for cmd in seen["started"] if "dbt" in cmd] == []
