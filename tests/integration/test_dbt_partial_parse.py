"""dbt's partial parse survives from one refresh to the next in the same data folder.

Why it matters: a full parse costs ~3 s of CPU in every dbt build, on the upload → dashboard
latency (BENCHMARKS.md section 4). dagster-dbt's default gives each build a fresh target
folder seeded with the repo's ``dbt_project/target/partial_parse.msgpack`` — parsed for
whichever data folder prepared the manifest last, so dbt discarded it ("profile has
changed"). The dbt asset now keeps ``dagster_home/dbt_target/`` per data folder.
"""

import json
from pathlib import Path

from pipeline_harness import processed_copy

from esf_monitor.paths import data_dir as current_data_dir
from orchestration.driver import run_pending


def _log_lines(log: Path) -> list[str]:
    """dbt.log with the files dbt rotated it into (dbt.log.1 … at 10 MB), oldest first."""
    rotated = sorted(log.parent.glob(log.name + ".*"), key=lambda p: int(p.suffix[1:]), reverse=True)
    return [line for f in (*rotated, log) for line in f.read_text(encoding="utf-8").splitlines()]


def _invocations(log: Path) -> dict[str, list[str]]:
    """dbt's JSON log lines, grouped by invocation, as event names in order."""
    out: dict[str, list[str]] = {}
    for line in _log_lines(log):
        if line.startswith("{"):
            info = json.loads(line)["info"]
            out.setdefault(info["invocation_id"], []).append(info["name"])
    return out


def test_the_second_refresh_of_a_data_folder_skips_dbt_parsing(data_dir, handcalc_processed):
    """On a copy of the processed fixture. Its path differs from the folder that built it, and
    the profile holds the path, so dbt would parse in full once here; ``dbt parse`` for the
    copy's own target folder stands in for that first build (as in ``python -m bench e2e``) —
    the refresh after it must find dbt's partial parse and keep it."""
    from bench.e2e import dbt_parse_for

    processed_copy(handcalc_processed, data_dir)
    dd = current_data_dir()
    log = dd.root / "dagster_home" / "dbt_target" / "dbt.log"
    before = len(_invocations(log))
    dbt_parse_for(dd.root)
    assert run_pending(dd, force_refresh=True).ok

    builds = list(_invocations(log).values())[before:]
    assert builds, "the refresh's dbt build left no log in dagster_home/dbt_target/"
    build = builds[-1]
    assert "PartialParsingSkipParsing" in build or "PartialParsingEnabled" in build
    assert "UnableToPartialParse" not in build
