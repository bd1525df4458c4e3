"""One real ``esf-monitor run`` (the console script) over hostile uploads beside good ones
(issue #13, classes 1 and 4): the run goes on with the other files and exits 3 ("some files
rejected"), not 1; the values of a file rejected for personal data are nowhere in the data
folder — reports, logs, versions.jsonl, the warehouse, Dagster's event log — except in the
restricted quarantine's copy of the file itself; what is shown is the column and the rule."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl

from esf_monitor import store
from esf_monitor.paths import DataDir

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
CLI = Path(sys.executable).parent / "esf-monitor"
#: values no fixture holds: a surname, a mobile number without separators, an (at) e-mail
SECRETS = ("Zwetschgenbaum", "01719876543", "max.zwetschge(at)web.de")


def _personal_resend(slot: Path) -> None:
    lines = slot.read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",Nachname,Bemerkung"]
    body += [f"{line},{SECRETS[0]},Rückruf {SECRETS[1]} oder {SECRETS[2]}" for line in lines[1:]]
    slot.write_text("\n".join(body) + "\n", encoding="utf-8")


def _whole_grid_xlsx(source_csv: Path, dest: Path) -> None:
    """A valid workbook whose sheet declares A1:XFD1048576 (1.6 KB; calamine would reserve 512 GB)."""
    book = openpyxl.Workbook()
    with source_csv.open(encoding="utf-8") as f:
        for row in csv.reader(f):
            book.active.append(row)
    plain = dest.with_suffix(".plain")
    book.save(plain)
    with (
        zipfile.ZipFile(plain) as zin,
        zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>',
                    b'<dimension ref="A1:XFD1048576"/>',
                    data,
                )
            zout.writestr(info.filename, data)
    plain.unlink()


def test_hostile_files_are_rejected_the_run_goes_on_and_no_personal_value_stays(
    data_dir,
):
    shutil.copytree(HANDCALC, data_dir, dirs_exist_ok=True)
    landing = data_dir / "landing"
    _personal_resend(landing / "HC-ALPHA" / "participants" / "2024-07.csv")
    _whole_grid_xlsx(
        landing / "HC-BETA" / "participants" / "2024-06.csv",
        landing / "HC-BETA" / "participants" / "2024-07.xlsx",
    )
    newline = landing / "HC-BETA" / "participants" / "2024-08.csv\n"
    shutil.copy(landing / "HC-BETA" / "participants" / "2024-06.csv", newline)

    result = subprocess.run(
        [str(CLI), "run"],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ
        | {
            "ESF_DATA_DIR": str(data_dir),
            "DAGSTER_HOME": str(data_dir / "dagster_home"),
        },
    )

    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    dd = DataDir(data_dir)
    status = {
        (p, m): [v.status for v in store.read_versions(dd, p, "participants", m)]
        for p, m in (
            ("HC-ALPHA", "2024-05"),
            ("HC-ALPHA", "2024-06"),
            ("HC-ALPHA", "2024-07"),
            ("HC-BETA", "2024-05"),
            ("HC-BETA", "2024-06"),
            ("HC-BETA", "2024-07"),
        )
    }
    assert status == {
        ("HC-ALPHA", "2024-05"): ["accepted"],
        ("HC-ALPHA", "2024-06"): ["accepted"],
        ("HC-ALPHA", "2024-07"): ["rejected"],
        ("HC-BETA", "2024-05"): ["accepted"],
        ("HC-BETA", "2024-06"): ["accepted"],
        ("HC-BETA", "2024-07"): ["rejected"],
    }
    grid = store.read_versions(dd, "HC-BETA", "participants", "2024-07")[-1]
    grid_report = Path(grid.quarantine_path)
    grid_summary = grid_report.with_name(grid_report.name + ".summary.txt").read_text(encoding="utf-8")
    assert "A1:XFD1048576" in grid_summary
    assert not newline.exists()  # quarantined as unroutable, showing the newline
    reasons = "".join(
        p.read_text(encoding="utf-8") for p in (data_dir / "quarantine" / "_unroutable").glob("*.reason.txt")
    )
    assert "<U+000A>" in reasons
    assert (data_dir / "exports" / "2024-07" / "indicators.csv").is_file()  # the run went on

    restricted = Path(store.read_versions(dd, "HC-ALPHA", "participants", "2024-07")[-1].quarantine_path)
    assert restricted.is_relative_to(data_dir / "quarantine_restricted")
    summary = restricted.with_name(restricted.name + ".summary.txt").read_text(encoding="utf-8")
    assert "Nachname" in summary and "Bemerkung" in summary  # the column is named
    leaks = []
    for path in data_dir.rglob("*"):
        if not path.is_file() or path == restricted or path.suffix == ".duckdb":
            continue
        # landing/: the provider's own upload, until they replace it
        if path.is_relative_to(landing):
            continue
        data = path.read_bytes()
        leaks += [(str(path.relative_to(data_dir)), s) for s in SECRETS if s.encode() in data]
    assert leaks == []  # incl. dagster_home's SQLite event log, logs/, reports, versions.jsonl
    assert not any(s in result.stdout + result.stderr for s in SECRETS)
    with duckdb.connect(str(data_dir / "warehouse" / "esf.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            text = con.execute(
                f'select string_agg(cast(t as varchar), \'|\') from "{schema}"."{table}" t'
            ).fetchone()[0]
            assert not any(s in (text or "") for s in SECRETS), (schema, table)
