"""Hostile uploads at the sizes of issue #13, class 1 (``python -m bench intake``), recorded in
the ``intake`` block of ``BENCHMARKS.md``.

The unit tests (tests/unit/test_intake_limits.py) prove each rule on small files; this
measures the cases at the issue's own sizes, each in a fresh spawned process: the intake
(``check_file`` + ``write_report``, what a run does with a file before it is quarantined) on

- ``repeated_snapshot``: one generated snapshot written again and again into one CSV of
  ≥ 300 MB — every key repeated (the issue: "killed for memory because each duplicate row lists
  every other row of its key");
- ``valid_same_size``: the same number of rows under fresh pseudonyms (accepted) — the baseline
  the repeated file's memory is compared with;
- ``zip_bomb``: a small XLSX with a part expanding to 1.5 GB of XML;
- ``whole_grid``: a 1.6 KB XLSX whose sheet declares ``A1:XFD1048576``;
- ``huge_cell``: a CSV with a 50 MB cell in the free-text column ``district``.

Measured: seconds, peak RSS of the process (``VmHWM``, bench.validation's reading), the verdict and its rules, the
number of findings and the bytes of the report files. Target: every hostile file rejected with a
reason; peak RSS of the repeated snapshot ≤ 1.5× that of the valid file of the same size
(memory linear in the file, not in the square of the duplicates); the small hostile files in
well under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK_DIR = REPO / "bench-data" / "intake"  # git-ignored
MONTH = "2025-12"
TARGET_MB = 300
BOMB_BYTES = 1536 * 1024**2
HUGE_CELL_CHARS = 50 * 1024**2
TARGET_RATIO = 1.5
SMALL_FILE_TARGET_MB = 1024
PROG = "python -m bench intake"
CASES = ("repeated_snapshot", "valid_same_size", "zip_bomb", "whole_grid", "huge_cell")


# --------------------------------------------------------------------------- the files


def build_files(
    work_dir: Path,
    seed: int = 42,
    target_mb: int = TARGET_MB,
    source_rows: int = 200_000,
) -> dict:
    """Every case's file (reused when present) and the registry; returns their description."""
    import polars as pl

    from bench.ingest import _source_snapshot, replicate
    from esf_monitor.demo.generator import DIALECTS
    from esf_monitor.demo.generator import _write as write_extract

    work_dir.mkdir(parents=True, exist_ok=True)
    meta_path = work_dir / "files.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("target_mb") == target_mb and all(
            Path(f["path"]).exists() for f in meta["files"].values()
        ):
            return meta
    snapshot, provider, registry_path = _source_snapshot(work_dir, source_rows, seed)
    dialect = DIALECTS["utf8_comma"]
    one = work_dir / f"one.{dialect.ext}"
    write_extract(snapshot, one, dialect)
    copies = max(2, -(-target_mb * 1024**2 // one.stat().st_size))
    repeated = pl.concat([snapshot] * copies)
    files = {}
    path = work_dir / "repeated_snapshot" / f"{MONTH}.{dialect.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_extract(repeated, path, dialect)
    files["repeated_snapshot"] = {
        "path": str(path),
        "rows": repeated.height,
        "copies": copies,
        "keys": snapshot.height,
    }
    path = work_dir / "valid_same_size" / f"{MONTH}.{dialect.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_extract(replicate(snapshot, repeated.height), path, dialect)
    files["valid_same_size"] = {"path": str(path), "rows": repeated.height}
    small = work_dir / "small.xlsx"
    _small_xlsx(small, snapshot.head(3))
    files["zip_bomb"] = {"path": str(_zip_bomb(small, work_dir / "zip_bomb" / f"{MONTH}.xlsx"))}
    files["whole_grid"] = {"path": str(_whole_grid(small, work_dir / "whole_grid" / f"{MONTH}.xlsx"))}
    path = work_dir / "huge_cell" / f"{MONTH}.{dialect.ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    head = snapshot.head(3).with_columns(
        pl.when(pl.int_range(pl.len()) == 1)
        .then(pl.lit("K" * HUGE_CELL_CHARS))
        .otherwise(pl.col("district"))
        .alias("district")
    )
    write_extract(head, path, dialect)
    files["huge_cell"] = {"path": str(path), "rows": 3}
    for f in files.values():
        f["bytes"] = Path(f["path"]).stat().st_size
    one.unlink()
    meta = {
        "target_mb": target_mb,
        "seed": seed,
        "provider": provider,
        "registry": str(registry_path),
        "files": files,
    }
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def _small_xlsx(path: Path, frame) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append([v.isoformat() if hasattr(v, "isoformat") else v for v in row])
    book.save(path)
    return path


def _zip_bomb(small: Path, dest: Path) -> Path:
    """The small workbook plus one part of BOMB_BYTES blanks (deflated to about a megabyte)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    chunk = b" " * (16 * 1024**2)
    with (
        zipfile.ZipFile(small) as zin,
        zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        with zout.open("xl/sharedStrings2.xml", "w", force_zip64=True) as part:
            for _ in range(BOMB_BYTES // len(chunk)):
                part.write(chunk)
    return dest


def _whole_grid(small: Path, dest: Path) -> Path:
    import re

    dest.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(small) as zin,
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
    return dest


# --------------------------------------------------------------------------- one measured run


def run_case(path: str, provider: str, registry_path: str, report_dir: str) -> dict:
    """In a fresh process: check_file + write_report; seconds, peak RSS, verdict, report size."""
    from esf_monitor.intake import check_file, read_registry
    from esf_monitor.intake.report import write_report

    registry = read_registry(Path(registry_path))
    start = time.perf_counter()
    result = check_file(Path(path), provider, "participants", MONTH, registry)
    written = write_report(result, report_dir)
    seconds = time.perf_counter() - start
    errors = result.findings.filter(result.findings["severity"] == "error")
    return {
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "ok": result.ok,
        "rules": sorted(set(errors["rule"].to_list())),
        "errors_by_rule": {r: errors["rule"].to_list().count(r) for r in set(errors["rule"].to_list())},
        "findings": result.findings.height,
        "report_bytes": sum(Path(p).stat().st_size for p in written),
    }


def _peak_rss_mb() -> float:
    from bench.validation import _peak_rss_mb as peak

    return peak()


def _in_fresh_process(*args) -> dict:
    from bench.ingest import _in_fresh_process as fresh

    return fresh(run_case, *args)


def measure(meta: dict, work_dir: Path) -> dict:
    out = {}
    for case in CASES:
        f = meta["files"][case]
        print(f"  {case} ({f['bytes'] / 1e6:,.1f} MB) ...", flush=True)
        out[case] = _in_fresh_process(
            f["path"],
            meta["provider"],
            meta["registry"],
            str(work_dir / "reports" / case),
        )
    base, rep = out["valid_same_size"], out["repeated_snapshot"]
    out["verdict"] = {
        "hostile_rejected": all(not out[c]["ok"] for c in CASES if c != "valid_same_size"),
        "valid_accepted": base["ok"],
        "memory_ratio": rep["peak_rss_mb"] / base["peak_rss_mb"],
        "small_files_mb": max(out[c]["peak_rss_mb"] for c in ("zip_bomb", "whole_grid", "huge_cell")),
    }
    v = out["verdict"]
    v["met"] = (
        v["hostile_rejected"]
        and v["valid_accepted"]
        and v["memory_ratio"] <= TARGET_RATIO
        and v["small_files_mb"] <= SMALL_FILE_TARGET_MB
    )
    return out


# --------------------------------------------------------------------------- report


def markdown(results: dict) -> str:
    m, meta, r = results["machine"], results["files"], results["cases"]
    v = r["verdict"]
    rep = meta["files"]["repeated_snapshot"]
    labels = {
        "repeated_snapshot": f"one snapshot ({rep['keys']:,} rows) written {rep['copies']} times: "
        f"{rep['rows']:,} rows, every key {rep['copies']}×",
        "valid_same_size": f"{meta['files']['valid_same_size']['rows']:,} rows, fresh pseudonyms (baseline)",
        "zip_bomb": f"XLSX, one part expanding to {BOMB_BYTES / 1024**3:.1f} GiB",
        "whole_grid": "XLSX declaring `A1:XFD1048576`",
        "huge_cell": f"CSV, a {HUGE_CELL_CHARS / 1024**2:.0f} MiB cell in `district`",
    }
    lines = [
        "## 8. Hostile uploads at the issue's sizes (issue #13, class 1)",
        "",
        f"- Command: `{results['command']}`",
        f"- Date: {results['date_utc']} UTC",
        (
            f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
            f"polars {m['polars']}, pandera {m['pandera']}; load average (1 min) "
            f"{results['load_average_before']} before, {results['load_average_after']} after (shared machine)"
        ),
        (
            "- Each case: `check_file` + `write_report` (what a run does before it quarantines the file) "
            "in a fresh spawned process; peak RSS = that process's `VmHWM` (imports included; `ru_maxrss` would keep the benchmark's own high-water mark across exec); one run"
        ),
        "",
        "| case | file | verdict (rules) | findings | report files | seconds | peak RSS |",
        "|---|--:|---|--:|--:|--:|--:|",
    ]
    for case in CASES:
        x, f = r[case], meta["files"][case]
        verdict = "accepted" if x["ok"] else "rejected (" + ", ".join(f"`{s}`" for s in x["rules"]) + ")"
        lines.append(
            f"| {labels[case]} | {f['bytes'] / 1e6:,.1f} MB | {verdict} | {x['findings']:,} "
            f"| {x['report_bytes'] / 1e3:,.1f} KB | {x['seconds']:,.1f} | {x['peak_rss_mb']:,.0f} MB |"
        )
    lines += [
        "",
        (
            f"Targets: every hostile file rejected with a reason — {'met' if v['hostile_rejected'] else '**missed**'}; "
            f"peak RSS of the repeated snapshot ≤ {TARGET_RATIO}× the valid file of the same size — "
            f"**{v['memory_ratio']:.2f}×**, {'met' if v['memory_ratio'] <= TARGET_RATIO else '**missed**'}; "
            f"the small hostile files ≤ {SMALL_FILE_TARGET_MB:,} MB — {v['small_files_mb']:,.0f} MB, "
            f"{'met' if v['small_files_mb'] <= SMALL_FILE_TARGET_MB else '**missed**'}."
        ),
    ]
    return "\n".join(lines)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument(
        "--target-mb",
        type=int,
        default=TARGET_MB,
        help=f"Größe der wiederholten Datei / size of the repeated file (default {TARGET_MB})",
    )
    parser.add_argument("--benchmarks-md", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="in BENCHMARKS.md schreiben / write into BENCHMARKS.md (default: only at the full size)",
    )
    parser.add_argument("--quick", action="store_true", help="10 MB, nicht eingetragen / not recorded")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.target_mb = 10
    if args.record is None:
        args.record = args.target_mb == TARGET_MB
    return args


def main(argv: list[str] | None = None) -> dict:
    from bench.ingest import machine, record_section

    args = _arguments(argv)
    print(f"Erzeuge / building files in {args.work_dir} ...", flush=True)
    meta = build_files(args.work_dir, target_mb=args.target_mb)
    results = {
        "benchmark": "intake",
        "command": " ".join([PROG, *(argv if argv is not None else sys.argv[2:])]).strip(),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "files": meta,
    }
    print("Messe / measuring ...", flush=True)
    results["cases"] = measure(meta, args.work_dir)
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    text = markdown(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    if args.record:
        record_section(args.benchmarks_md, "intake", text)
        print(f"Eingetragen in / recorded in {args.benchmarks_md}")
    return results


if __name__ == "__main__":
    main()
