"""Speed and memory benchmarks (``make bench`` = ``python -m bench``), recorded in
``BENCHMARKS.md``. Never part of ``make test``: timings belong on a quiet machine, not in CI.

Benchmark 1, ingest throughput: one big ``participants`` file through the REAL intake path
(:func:`esf_monitor.intake.check_file`, then :func:`esf_monitor.warehouse.replace_partition`
into a fresh DuckDB file opened with :func:`esf_monitor.warehouse.connect`), compared with
DuckDB reading the same file on its own (``CREATE TABLE t AS SELECT * FROM read_csv(...)``,
auto-detection) in the same run. Why that baseline: DuckDB's CSV reader is about the fastest
way to get a CSV into the warehouse at all, so the ratio says what reading every dialect,
validating every rule and guarding against personal data costs on top of a bare load.

How it is measured, and why:

- every run of either path happens in a fresh process (``spawn``), so neither inherits the
  other's caches or allocator state, and the peak RSS (``ru_maxrss``) belongs to one run;
- runs alternate intake / DuckDB, the file is already in the page cache for both, and the
  figure kept is the median of the runs;
- the timed section of both paths opens a fresh DuckDB file and ends after closing it
  (DuckDB writes the table at checkpoint/close). Not timed: reading the registry, the file's
  checksum, the archive copy (``ingest_slot`` does those too; they do not depend on the intake).

The file is built from the demo generator's realistic data: the generator writes every
project's latest snapshot at a scale of ~rows/10 000; the biggest snapshot, read back through
the intake (which also proves it valid), is replicated with fresh pseudonyms (the original id
plus three characters of the same letter-digit shape) until it has the requested rows, so
keys stay unique and a re-entered person's spells still do not overlap. It is written in the
two dialects most exports use: UTF-8 / comma / ISO dates, and Windows-1252 / semicolon /
German dates / ja-nein / Title_Case headers (DuckDB's reader knows no Windows-1252, its
baseline reads that file as ``latin-1``).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import math
import multiprocessing
import os
import platform
import pstats
import re
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb
import polars as pl
import psutil
from rich.console import Console
from rich.table import Table

from esf_monitor import warehouse
from esf_monitor.demo.generator import DIALECTS, generate
from esf_monitor.demo.generator import _write as write_extract  # the dialect writer of the demo data
from esf_monitor.intake import check_file, read_registry

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK_DIR = REPO / "bench-data" / "ingest"  # git-ignored
DEFAULT_BENCHMARKS_MD = REPO / "BENCHMARKS.md"
FULL_ROWS, QUICK_ROWS = 1_000_000, 100_000
TARGET_RATIO = 1.5
MONTH = "2025-12"
#: Variant -> (generator dialect, extra ``read_csv`` options of the DuckDB baseline).
VARIANTS = {
    "utf8_comma": ("utf8_comma", ""),
    "cp1252_semicolon": ("cp1252_semicolon", ", encoding = 'latin-1'"),
}
SECTION = "ingest"
PROG = "python -m bench"
#: Functions of the intake path whose cumulative time a profile reports, in path order.
PHASES = (
    ("esf_monitor/intake/readers.py", "read_table", "read the file (CSV → string frame)"),
    ("esf_monitor/intake/normalise.py", "shape", "map header to contract columns"),
    ("esf_monitor/intake/normalise.py", "parse", "parse values into types"),
    ("esf_monitor/intake/failures.py", "schema_findings", "pandera validation (+ failure cases)"),
    ("esf_monitor/intake/validate.py", "_personal_values", "personal-data guard"),
    ("esf_monitor/intake/validate.py", "_warnings", "warnings (core data, exit data)"),
    ("esf_monitor/intake/findings.py", "with_messages", "finding messages (DE/EN)"),
    ("esf_monitor/warehouse.py", "connect", "warehouse connect + DDL + close"),
    ("esf_monitor/warehouse.py", "replace_partition", "load (Arrow → DuckDB, one transaction)"),
)

# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class BenchFile:
    """One benchmark file and what the intake needs to check it."""

    variant: str
    path: Path
    rows: int
    bytes: int
    provider_id: str
    month: str
    registry_path: Path


_LETTERS, _DIGITS = "abcdefghjkmnpqrstuvwxyz", "23456789"  # the generator's pseudonym alphabet
MAX_COPIES = len(_LETTERS) ** 2 * len(_DIGITS)


def _pseudonym_suffix(copy: int) -> str:
    """Three characters in the generator's letter-letter-digit pattern, distinct per copy:
    no digit run that looks like a phone number, no IBAN-like start."""
    letter, digit = divmod(copy, len(_DIGITS))
    return _LETTERS[letter // len(_LETTERS)] + _LETTERS[letter % len(_LETTERS)] + _DIGITS[digit]


def replicate(snapshot: pl.DataFrame, rows: int) -> pl.DataFrame:
    """``rows`` rows from copies of ``snapshot``, each copy's people under fresh pseudonyms.

    A person keeps all their spells within a copy, so spells never overlap; cutting the last
    copy can only drop a later spell of someone (still a valid snapshot). Sorted like the
    generator's export (entry date, then id).
    """
    copies = math.ceil(rows / snapshot.height)
    if copies > MAX_COPIES:
        raise ValueError(f"Quell-Snapshot zu klein / source snapshot too small: {snapshot.height} rows")
    frames = [snapshot.with_columns(pl.col("participant_id") + _pseudonym_suffix(i)) for i in range(copies)]
    return pl.concat(frames).head(rows).sort("entry_date", "participant_id")


def _source_snapshot(work_dir: Path, rows: int, seed: int) -> tuple[pl.DataFrame, str, Path]:
    """The biggest latest snapshot of a generated demo folder, typed (read by the intake)."""
    source = work_dir / "generated"
    generate(
        source,
        seed=seed,
        scale=min(100.0, max(1.0, rows / 10_000)),
        months=1,
        end_month=MONTH,
        overwrite=True,
        process=False,
    )
    registry_path = source / "reference" / "projects.csv"
    registry = read_registry(registry_path)
    snapshots = sorted(source.glob(f"landing/*/participants/{MONTH}.*"), key=lambda p: p.stat().st_size)
    path = snapshots[-1]
    provider_id = path.parts[-3]
    result = check_file(path, provider_id, "participants", MONTH, registry)
    if not result.ok:
        raise RuntimeError(f"generated snapshot rejected: {result.summary_en}")
    return result.data.drop("_source_row"), provider_id, registry_path


def build_files(work_dir: Path, rows: int, variants: list[str], seed: int = 42) -> list[BenchFile]:
    """Write the benchmark file of ``rows`` rows once per dialect variant (see module docstring)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    snapshot, provider_id, registry_path = _source_snapshot(work_dir, rows, seed)
    frame = replicate(snapshot, rows)
    files = []
    for variant in variants:
        dialect = DIALECTS[VARIANTS[variant][0]]
        path = work_dir / f"participants_{rows}_{variant}.{dialect.ext}"
        write_extract(frame, path, dialect)
        files.append(
            BenchFile(variant, path, frame.height, path.stat().st_size, provider_id, MONTH, registry_path)
        )
    return files


# --------------------------------------------------------------------------- one measured run
# Each runs in a fresh spawned process (see module docstring); they return plain dicts.


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _fresh(db_path: Path) -> None:
    for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def run_intake(file: BenchFile, db_path: Path, sha256: str, profile_path: Path | None = None) -> dict:
    """check_file + replace_partition into a fresh warehouse file; seconds and memory."""
    registry = read_registry(file.registry_path)
    _fresh(db_path)
    profiler = cProfile.Profile() if profile_path else None
    before = _rss_mb()
    cpu, start = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    result = check_file(file.path, file.provider_id, "participants", file.month, registry)
    checked = time.perf_counter()
    if not result.ok:
        raise RuntimeError(f"benchmark file rejected: {result.summary_en}")
    with warehouse.connect(db_path) as con:
        loaded = warehouse.replace_partition(
            con, "participants", result.data, file.provider_id, file.month, sha256
        )
    end, cpu = time.perf_counter(), time.process_time() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile_path)
    return {
        "seconds": end - start,
        "cpu_seconds": cpu,
        "check_seconds": checked - start,
        "load_seconds": end - checked,
        "rows": loaded,
        "warnings": result.warning_count,
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
    }


def run_duckdb(file: BenchFile, db_path: Path) -> dict:
    """DuckDB's own ``read_csv`` (auto-detection) into a table of a fresh database file."""
    _fresh(db_path)
    quoted = str(file.path).replace("'", "''")
    before = _rss_mb()
    cpu, start = time.process_time(), time.perf_counter()
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{quoted}'{VARIANTS[file.variant][1]})")
        rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
    end, cpu = time.perf_counter(), time.process_time() - cpu
    return {
        "seconds": end - start,
        "cpu_seconds": cpu,
        "rows": rows,
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _silence_stdout() -> None:
    """DuckDB draws progress bars on the process's stdout (fd 1) during long queries."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _in_fresh_process(function, *args) -> dict:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_silence_stdout) as pool:
        return pool.submit(function, *args).result()


# --------------------------------------------------------------------------- benchmark


def _median_run(runs: list[dict]) -> dict:
    summary = {
        key: statistics.median(run[key] for run in runs) for key in runs[0] if isinstance(runs[0][key], float)
    }
    summary["rss_increase_mb"] = statistics.median(r["peak_rss_mb"] - r["rss_before_mb"] for r in runs)
    summary["min_seconds"] = min(r["seconds"] for r in runs)
    summary["runs_seconds"] = [round(r["seconds"], 3) for r in runs]
    summary["rows"] = runs[0]["rows"]
    return summary


def profile_phases(profile_path: Path, total: float) -> list[dict]:
    """Cumulative wall time of each intake phase (:data:`PHASES`) from a cProfile dump of a
    run that took ``total`` seconds."""
    stats = pstats.Stats(str(profile_path)).stats  # (file, line, function) -> (cc, nc, tt, ct, callers)
    phases = []
    for module, function, label in PHASES:
        seconds = sum(
            ct
            for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if name == function and filename.replace(os.sep, "/").endswith(module)
        )
        phases.append({"phase": label, "function": f"{module}:{function}", "seconds": seconds})
    phases.append(
        {
            "phase": "rest (findings, summaries, glue)",
            "function": "",
            "seconds": max(0.0, total - sum(p["seconds"] for p in phases)),
        }
    )
    for phase in phases:
        phase["share"] = phase["seconds"] / total if total else 0.0
    return phases


def measure(file: BenchFile, runs: int, work_dir: Path, profile: bool) -> dict:
    """Median intake and DuckDB runs of one file, their ratio, and a profile if wanted."""
    sha256 = hashlib.sha256(file.path.read_bytes()).hexdigest()
    db_intake, db_duckdb = work_dir / "intake.duckdb", work_dir / "baseline.duckdb"
    intake, duck = [], []
    for _ in range(runs):
        intake.append(_in_fresh_process(run_intake, file, db_intake, sha256))
        duck.append(_in_fresh_process(run_duckdb, file, db_duckdb))
    for db in (db_intake, db_duckdb):
        _fresh(db)
    if intake[0]["rows"] != file.rows or duck[0]["rows"] != file.rows:
        raise RuntimeError(
            f"row counts differ: file {file.rows}, intake {intake[0]['rows']}, DuckDB {duck[0]['rows']}"
        )
    result = {
        "variant": file.variant,
        "file": {"name": file.path.name, "rows": file.rows, "bytes": file.bytes},
        "intake": _median_run(intake),
        "duckdb": _median_run(duck),
    }
    result["intake"]["warnings"] = intake[0]["warnings"]
    result["ratio"] = result["intake"]["seconds"] / result["duckdb"]["seconds"]
    result["ratio_min"] = result["intake"]["min_seconds"] / result["duckdb"]["min_seconds"]
    result["ratio_cpu"] = result["intake"]["cpu_seconds"] / result["duckdb"]["cpu_seconds"]
    result["target_met"] = result["ratio"] <= TARGET_RATIO
    result["profile"] = None
    if profile or not result["target_met"]:
        profile_path = work_dir / f"intake_{file.variant}.prof"
        profiled = _in_fresh_process(run_intake, file, db_intake, sha256, profile_path)
        _fresh(db_intake)
        result["profile"] = {
            "file": str(profile_path),
            "seconds": profiled["seconds"],
            "phases": profile_phases(profile_path, profiled["seconds"]),
        }
    return result


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return {
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        **{package: version(package) for package in ("duckdb", "polars", "pandera")},
    }


# --------------------------------------------------------------------------- report


def _code(text: str) -> str:
    return f"`{text}`" if text else "–"


def _mb(value: float) -> str:
    return f"{value:,.0f} MB"


def print_table(results: dict, console: Console | None = None) -> None:
    table = Table(
        title=f"Ingest participants: {results['parameters']['rows']:,} Zeilen / rows, "
        f"Median aus / median of {results['parameters']['runs']}"
    )
    for heading in (
        "Variante / variant",
        "Intake s",
        "check s",
        "load s",
        "DuckDB s",
        "Verhältnis / ratio",
        f"≤ {TARGET_RATIO}×",
        "RSS intake",
        "RSS DuckDB",
    ):
        table.add_column(heading, justify="left" if heading.startswith("Variante") else "right", no_wrap=True)
    for v in results["variants"]:
        intake, duck = v["intake"], v["duckdb"]
        table.add_row(
            v["variant"],
            f"{intake['seconds']:.2f}",
            f"{intake['check_seconds']:.2f}",
            f"{intake['load_seconds']:.2f}",
            f"{duck['seconds']:.2f}",
            f"{v['ratio']:.2f}×",
            "ja / yes" if v["target_met"] else "[red]nein / no[/red]",
            _mb(intake["peak_rss_mb"]),
            _mb(duck["peak_rss_mb"]),
        )
    console = console or Console()
    console.print(table)
    for v in results["variants"]:
        if v["profile"]:
            console.print(f"Profil / profile {v['variant']}: {v['profile']['file']}")
            for phase in v["profile"]["phases"]:
                console.print(f"  {phase['seconds']:6.2f} s  {phase['share']:5.1%}  {phase['phase']}")


def markdown_section(results: dict) -> str:
    """The ingest section of BENCHMARKS.md (between its markers)."""
    m, p = results["machine"], results["parameters"]
    lines = [
        "## 1. Ingest throughput: one `participants` file, intake vs DuckDB `read_csv`",
        "",
        f"- Command: `{results['command']}`" + (" (= `make bench`)" if results["command"] == PROG else ""),
        f"- Date: {results['date_utc']} UTC",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"duckdb {m['duckdb']}, polars {m['polars']}, pandera {m['pandera']}; load average (1 min) "
        f"{results['load_average_before']} before, {results['load_average_after']} after (other work on "
        f"the machine slows both paths, not necessarily alike)",
        f"- File: {p['rows']:,} rows (demo generator's biggest `{MONTH}` snapshot, project "
        f"`{results['provider_id']}`, replicated with fresh pseudonyms); median of {p['runs']} "
        f"run(s) per path, each in a fresh process",
        f"- Intake = `intake.check_file` + `warehouse.connect` + `warehouse.replace_partition` into a "
        f"fresh DuckDB file; baseline = `CREATE TABLE t AS SELECT * FROM read_csv(file)` into a fresh "
        f"DuckDB file. Both timed from connect to close. Target: intake ≤ {TARGET_RATIO}× baseline.",
        "",
        "| variant | file | intake | of which check_file | of which load | DuckDB `read_csv` | ratio "
        f"| target ≤ {TARGET_RATIO}× | peak RSS intake (+ over start) | peak RSS DuckDB (+ over start) |",
        "|---|---|--:|--:|--:|--:|--:|---|--:|--:|",
    ]
    for v in results["variants"]:
        intake, duck, f = v["intake"], v["duckdb"], v["file"]
        lines.append(
            f"| {v['variant']} | {f['rows']:,} rows, {f['bytes'] / 1e6:,.0f} MB | {intake['seconds']:.2f} s "
            f"| {intake['check_seconds']:.2f} s | {intake['load_seconds']:.2f} s | {duck['seconds']:.2f} s "
            f"| **{v['ratio']:.2f}×** | {'met' if v['target_met'] else '**missed**'} "
            f"| {_mb(intake['peak_rss_mb'])} (+{_mb(intake['rss_increase_mb'])}) "
            f"| {_mb(duck['peak_rss_mb'])} (+{_mb(duck['rss_increase_mb'])}) |"
        )
    lines += [
        "",
        "Cross-checks that other work on the machine disturbs less (for reading the median, "
        "not instead of it): the ratio of the fastest runs, and of the CPU time (all threads) "
        "of the timed section.",
        "",
        "| variant | single runs intake (s) | single runs DuckDB (s) | ratio of fastest runs "
        "| CPU intake | CPU DuckDB | CPU ratio |",
        "|---|---|---|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {v['variant']} | {', '.join(map(str, v['intake']['runs_seconds']))} "
        f"| {', '.join(map(str, v['duckdb']['runs_seconds']))} | {v['ratio_min']:.2f}× "
        f"| {v['intake']['cpu_seconds']:.2f} s | {v['duckdb']['cpu_seconds']:.2f} s | {v['ratio_cpu']:.2f}× |"
        for v in results["variants"]
    ]
    if "cp1252_semicolon" in {v["variant"] for v in results["variants"]}:
        lines += [
            "",
            "`cp1252_semicolon`: Windows-1252, `;`, `DD.MM.YYYY`, `ja`/`nein`, Title_Case headers, "
            "CRLF. DuckDB knows no Windows-1252; its baseline reads the file with "
            "`encoding = 'latin-1'` (same bytes for the umlauts).",
        ]
    profiled = [v for v in results["variants"] if v["profile"]]
    lines += ["", "### Profile" + (" (target missed)" if any(not v["target_met"] for v in profiled) else "")]
    if not profiled:
        lines += ["", "Target met for every variant; no profile taken (`--profile` forces one)."]
    for v in profiled:
        lines += [
            "",
            f"`{v['variant']}` (one cProfile run, wall time; "
            f"{'target missed' if not v['target_met'] else 'target met'}):",
            "",
            "| phase | function | seconds | share |",
            "|---|---|--:|--:|",
        ]
        lines += [
            f"| {ph['phase']} | {_code(ph['function'])} | {ph['seconds']:.2f} | {ph['share']:.0%} |"
            for ph in v["profile"]["phases"]
        ]
    return "\n".join(lines)


def record_section(md_path: Path, section: str, body: str) -> None:
    """Replace the text between ``<!-- bench:<section>:start -->`` and ``...:end -->`` (append
    the block if the file or the markers are missing); the rest of the file is left alone."""
    start, end = f"<!-- bench:{section}:start -->", f"<!-- bench:{section}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = md_path.read_text(encoding="utf-8") if md_path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    md_path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- command line


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ROWS:,} Zeilen, 1 Lauf / rows, 1 run (not recorded unless --record)",
    )
    parser.add_argument("--rows", type=int, help=f"Zeilen / rows (default {FULL_ROWS:,})")
    parser.add_argument("--runs", type=int, help="Läufe je Pfad / runs per path (default 3)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated of {list(VARIANTS)}")
    parser.add_argument(
        "--profile", action="store_true", help="Profil auch bei erreichtem Ziel / profile anyway"
    )
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--benchmarks-md", type=Path, default=DEFAULT_BENCHMARKS_MD)
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Ergebnis in BENCHMARKS.md schreiben / write the result into BENCHMARKS.md",
    )
    parser.add_argument("--json", type=Path, help="Ergebnis zusätzlich als JSON / also write results as JSON")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    args.runs = args.runs or (1 if args.quick else 3)
    args.record = (not args.quick) if args.record is None else args.record
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unbekannte Variante / unknown variant: {', '.join(sorted(unknown))}")
    return args


def ingest_main(argv: list[str] | None = None) -> dict:
    """Run the ingest benchmark; print it, record it in BENCHMARKS.md, return the results."""
    args = _arguments(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(f"Erzeuge Datei / building file: {args.rows:,} Zeilen / rows in {args.work_dir} ...")
    files = build_files(args.work_dir, args.rows, args.variants, args.seed)
    results = {
        "benchmark": SECTION,
        "command": " ".join([PROG, *(argv if argv is not None else sys.argv[1:])])
        .strip()
        .replace(f"{PROG} ingest", PROG),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "parameters": {"rows": args.rows, "runs": args.runs, "quick": args.quick, "seed": args.seed},
        "provider_id": files[0].provider_id,
        "target_ratio": TARGET_RATIO,
        "variants": [],
    }
    for file in files:
        console.print(f"Messe / measuring {file.variant} ({file.bytes / 1e6:,.0f} MB) ...")
        results["variants"].append(measure(file, args.runs, args.work_dir, args.profile))
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    print_table(results, console)
    if args.record:
        record_section(args.benchmarks_md, SECTION, markdown_section(results))
        console.print(f"Eingetragen in / recorded in {args.benchmarks_md}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


#: ``make bench`` runs every section in this order; ``python -m bench <section>
#: [options]`` runs one (``--help`` after the section name lists its options).
SECTIONS = ("ingest", "e2e", "validation", "intake")


def main(argv: list[str] | None = None) -> dict:
    """``[section] [options]``: one section with its options, or (no section) every section
    with the common options ``--quick`` / ``--record`` / ``--no-record``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SECTIONS:
        return {argv[0]: _section_main(argv[0])(argv[1:])}
    common = {"--quick", "--record", "--no-record"}
    unknown = [a for a in argv if a not in common]
    if unknown:
        raise SystemExit(
            f"{PROG}: unbekannte Option / unknown option {unknown[0]} (sections: "
            f"{', '.join(SECTIONS)}; e.g. `{PROG} ingest --help`)"
        )
    return {section: _section_main(section)(list(argv)) for section in SECTIONS}


def _section_main(section: str):
    if section == "ingest":
        return ingest_main
    if section == "e2e":
        from bench.e2e import main as e2e_main

        return e2e_main
    if section == "intake":
        from bench.intake_limits import main as intake_main

        return intake_main
    from bench.validation import main as validation_main

    return validation_main


if __name__ == "__main__":
    main()
