"""dbt's partial parse survives from one refresh to the next in the same data folder.

Why it matters: a full parse costs ~3 s of CPU in every dbt build, on the upload → dashboard
latency (BENCHMARKS.md section 4). dagster-dbt's default gives each build a fresh target
folder seeded with the repo's ``dbt_project/target/partial_parse.msgpack`` — parsed for
whichever data folder prepared the manifest last, so dbt discarded it ("profile has
changed"). The dbt asset now keeps ``dagster_home/dbt_target/`` per data folder.
"""

import json
import shutil
from pathlib import Path

from esf_monitor.paths import data_dir as current_data_dir
from orchestration.driver import run_pending

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"


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


def test_the_second_refresh_of_a_data_folder_skips_dbt_parsing(data_dir):
    shutil.copytree(HANDCALC, data_dir, dirs_exist_ok=True)
    dd = current_data_dir()
    assert run_pending(dd).ok
    assert run_pending(dd, force_refresh=True).ok

    builds = list(_invocations(dd.root / "dagster_home" / "dbt_target" / "dbt.log").values())
    assert len(builds) == 2
    assert "PartialParsingSkipParsing" in builds[1] or "PartialParsingEnabled" in builds[1]
    assert "UnableToPartialParse" not in builds[1]
