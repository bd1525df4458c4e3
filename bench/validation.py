"""Peer comparison (``python -m bench validation``): the same rule set in
pandera-polars and in great-expectations 1.x on the same participants frame, recorded in the
``validation`` block of ``BENCHMARKS.md``.

The rule set (:data:`RULES`): eight contract rules of the participants extract that both
tools express with their own built-ins, so neither is measured with the other's idiom —
required fields, the pseudonym pattern, two code lists, a range, the key's uniqueness,
exit ≥ entry and "exit reason present when there is an exit" (a conditional rule).

Frames: the demo generator's biggest snapshot, replicated with fresh pseudonyms to
``--rows`` (default 1,000,000; the ingest benchmark's frame), and a mart-sized frame of
1,000 rows (what the great-expectations checks of the pipeline see). Each frame is checked
clean and with :data:`BROKEN_PER_RULE` rows broken per rule; both tools must report the
same failing rows per rule, which proves the two rule sets are the same rules.

Each measurement runs in a fresh spawned process: import of the library, building the
schema/suite (for GX: the ephemeral context), the validation itself (GX: including the
polars → pandas conversion it needs, shown separately), peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK_DIR = REPO / "bench-data" / "validation"
FULL_ROWS, QUICK_ROWS, MART_ROWS = 1_000_000, 50_000, 1_000
BROKEN_PER_RULE = 25
PROG = "python -m bench validation"

#: rule id -> what it says (the same rule in both tools)
RULES = {
    "required": "participant_id, project_id, entry_date not empty",
    "pseudonym_pattern": "participant_id matches the pseudonym pattern",
    "gender_code": "gender in (f, m, d) or empty",
    "employment_code": "employment_status in its code list or empty",
    "isced_range": "isced 0–8 or empty",
    "key_unique": "(participant_id, entry_date) unique",
    "exit_not_before_entry": "exit_date ≥ entry_date (where both present)",
    "exit_reason_with_exit": "exit_reason present where exit_date present",
}


# --------------------------------------------------------------------------- data


def build_frame(work_dir: Path, rows: int, seed: int = 42) -> Path:
    """The typed participants frame (Parquet, so every process reads the same bytes)."""
    from bench.ingest import _source_snapshot, replicate

    path = work_dir / f"participants_{rows}.parquet"
    if not path.exists():
        work_dir.mkdir(parents=True, exist_ok=True)
        snapshot, _provider, _registry = _source_snapshot(work_dir, rows, seed)
        replicate(snapshot, rows).write_parquet(path)
    return path


def break_rows(
    frame: pl.DataFrame, per_rule: int = BROKEN_PER_RULE
) -> tuple[pl.DataFrame, dict[str, set[int]]]:
    """A copy with ``per_rule`` rows broken for each rule (disjoint rows); returns the row
    indices broken per rule. Rows are spread over the frame (every k-th row)."""
    n = frame.height
    step = max(1, n // (per_rule * len(RULES) + 1))
    rows = list(range(0, n, step))[: per_rule * len(RULES)]
    if len(rows) < per_rule * len(RULES):
        raise ValueError("frame too small")
    broken: dict[str, set[int]] = {}
    df = frame.with_row_index("_i")
    for k, rule in enumerate(RULES):
        idx = rows[k * per_rule : (k + 1) * per_rule]
        broken[rule] = set(idx)
        hit = pl.col("_i").is_in(idx)
        if rule == "required":
            df = df.with_columns(pl.when(hit).then(None).otherwise(pl.col("project_id")).alias("project_id"))
        elif rule == "pseudonym_pattern":
            df = df.with_columns(
                pl.when(hit)
                .then(pl.format("Max Mustermann {}", pl.col("_i")))
                .otherwise(pl.col("participant_id"))
                .alias("participant_id")
            )
        elif rule == "gender_code":
            df = df.with_columns(pl.when(hit).then(pl.lit("x")).otherwise(pl.col("gender")).alias("gender"))
        elif rule == "employment_code":
            df = df.with_columns(
                pl.when(hit)
                .then(pl.lit("retired"))
                .otherwise(pl.col("employment_status"))
                .alias("employment_status")
            )
        elif rule == "isced_range":
            df = df.with_columns(
                pl.when(hit).then(pl.lit(9, pl.Int32)).otherwise(pl.col("isced")).alias("isced")
            )
        elif rule == "key_unique":
            # each broken row takes the key of the row before it: both rows of a pair fail
            prev_id, prev_entry = pl.col("participant_id").shift(1), pl.col("entry_date").shift(1)
            df = df.with_columns(
                pl.when(hit).then(prev_id).otherwise(pl.col("participant_id")).alias("participant_id"),
                pl.when(hit).then(prev_entry).otherwise(pl.col("entry_date")).alias("entry_date"),
            )
            broken[rule] = set(idx) | {i - 1 for i in idx}
        elif rule == "exit_not_before_entry":
            df = df.with_columns(
                pl.when(hit)
                .then(pl.col("entry_date") - pl.duration(days=1))
                .otherwise(pl.col("exit_date"))
                .alias("exit_date"),
                pl.when(hit).then(pl.lit("completed")).otherwise(pl.col("exit_reason")).alias("exit_reason"),
            )
        elif rule == "exit_reason_with_exit":
            df = df.with_columns(
                pl.when(hit).then(pl.col("entry_date")).otherwise(pl.col("exit_date")).alias("exit_date"),
                pl.when(hit).then(None).otherwise(pl.col("exit_reason")).alias("exit_reason"),
            )
    return df.drop("_i"), broken


# --------------------------------------------------------------------------- pandera


def pandera_schema():
    import pandera.polars as pa

    from schemas import PARTICIPANT_ID_PATTERN
    from schemas.codes import EMPLOYMENT_STATUS, GENDER

    def exit_not_before_entry(data):
        return data.lazyframe.select(
            pl.col("exit_date").is_null() | (pl.col("exit_date") >= pl.col("entry_date"))
        )

    def exit_reason_with_exit(data):
        return data.lazyframe.select(pl.col("exit_date").is_null() | pl.col("exit_reason").is_not_null())

    return pa.DataFrameSchema(
        {
            "participant_id": pa.Column(
                str, pa.Check.str_matches(PARTICIPANT_ID_PATTERN, name="pseudonym_pattern"), nullable=False
            ),
            "project_id": pa.Column(str, nullable=False),
            "entry_date": pa.Column(pl.Date, nullable=False),
            "exit_date": pa.Column(pl.Date, nullable=True),
            "gender": pa.Column(str, pa.Check.isin(list(GENDER), name="gender_code"), nullable=True),
            "employment_status": pa.Column(
                str, pa.Check.isin(list(EMPLOYMENT_STATUS), name="employment_code"), nullable=True
            ),
            "isced": pa.Column(pl.Int32, pa.Check.in_range(0, 8, name="isced_range"), nullable=True),
            "exit_reason": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(exit_not_before_entry, name="exit_not_before_entry"),
            pa.Check(exit_reason_with_exit, name="exit_reason_with_exit"),
        ],
        unique=["participant_id", "entry_date"],
        strict=False,
    )


def _pandera_failures(exc) -> dict[str, set[int]]:
    """Failing row indices per rule from pandera's SchemaErrors."""
    cases = (
        pl.from_pandas(exc.failure_cases)
        if not isinstance(exc.failure_cases, pl.DataFrame)
        else exc.failure_cases
    )
    out: dict[str, set[int]] = {rule: set() for rule in RULES}
    for row in cases.iter_rows(named=True):
        check, column, index = str(row.get("check")), row.get("column"), row.get("index")
        if index is None:
            continue
        by_column = {
            "participant_id": "pseudonym_pattern",
            "gender": "gender_code",
            "employment_status": "employment_code",
            "isced": "isced_range",
        }
        if check.startswith("not_nullable"):
            rule = "required"
        elif "uniqueness" in check or "unique" in check:
            rule = "key_unique"
        elif check.split("(")[0] in ("str_matches", "isin", "in_range"):
            rule = by_column.get(column)  # pandera names built-in checks by their function
        else:
            rule = next((r for r in RULES if r in check), None)
        if rule:
            out[rule].add(int(index))
    return out


def run_pandera(parquet: Path, broken: bool) -> dict:
    t0 = time.perf_counter()
    import pandera.errors
    import pandera.polars  # noqa: F401

    t_import = time.perf_counter() - t0
    frame = pl.read_parquet(parquet)
    if broken:
        frame, _ = break_rows(frame)
    before = _rss_mb()
    t0 = time.perf_counter()
    schema = pandera_schema()
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        schema.validate(frame, lazy=True)
        failures: dict[str, set[int]] = {rule: set() for rule in RULES}
        ok = True
    except pandera.errors.SchemaErrors as exc:
        failures, ok = _pandera_failures(exc), False
    t_validate = time.perf_counter() - t0
    return {
        "tool": "pandera",
        "rows": frame.height,
        "import_seconds": t_import,
        "setup_seconds": t_setup,
        "convert_seconds": 0.0,
        "validate_seconds": t_validate,
        "success": ok,
        "failures": {k: sorted(v) for k, v in failures.items()},
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(floor=before),
    }


# --------------------------------------------------------------------------- great-expectations


def gx_expectations():
    import great_expectations as gx

    from schemas import PARTICIPANT_ID_PATTERN
    from schemas.codes import EMPLOYMENT_STATUS, GENDER

    e = gx.expectations
    return [
        *(
            e.ExpectColumnValuesToNotBeNull(column=c, meta={"rule": "required"})
            for c in ("participant_id", "project_id", "entry_date")
        ),
        e.ExpectColumnValuesToMatchRegex(
            column="participant_id", regex=PARTICIPANT_ID_PATTERN, meta={"rule": "pseudonym_pattern"}
        ),
        e.ExpectColumnValuesToBeInSet(column="gender", value_set=list(GENDER), meta={"rule": "gender_code"}),
        e.ExpectColumnValuesToBeInSet(
            column="employment_status", value_set=list(EMPLOYMENT_STATUS), meta={"rule": "employment_code"}
        ),
        e.ExpectColumnValuesToBeBetween(
            column="isced", min_value=0, max_value=8, meta={"rule": "isced_range"}
        ),
        e.ExpectCompoundColumnsToBeUnique(
            column_list=["participant_id", "entry_date"], meta={"rule": "key_unique"}
        ),
        e.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="exit_date",
            column_B="entry_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta={"rule": "exit_not_before_entry"},
        ),
        e.ExpectColumnValuesToNotBeNull(
            column="exit_reason",
            row_condition="exit_date.notnull()",
            condition_parser="pandas",
            meta={"rule": "exit_reason_with_exit"},
        ),
    ]


def run_gx(parquet: Path, broken: bool) -> dict:
    t0 = time.perf_counter()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    t_import = time.perf_counter() - t0
    frame = pl.read_parquet(parquet)
    if broken:
        frame, _ = break_rows(frame)
    before = _rss_mb()
    t0 = time.perf_counter()
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            analytics_enabled=False,
        ),
    )
    batch = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("participants")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="participants", expectations=gx_expectations()))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="participants", data=batch, suite=suite)
    )
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf = frame.to_pandas()  # GX has no polars data source
    # dates as datetime64 (polars' Date arrives as datetime64[ms] already; keep as is)
    t_convert = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = validation.run(batch_parameters={"dataframe": pdf}, result_format={"result_format": "COMPLETE"})
    t_validate = time.perf_counter() - t0
    failures: dict[str, set[int]] = {rule: set() for rule in RULES}
    for r in result.results:
        rule = r.expectation_config.meta["rule"]
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX expectation {rule} raised: {r.exception_info}")
        failures[rule].update(
            int(i) for i in (r.result.get("unexpected_index_list") or []) if not isinstance(i, dict)
        )
    return {
        "tool": "great_expectations",
        "rows": frame.height,
        "import_seconds": t_import,
        "setup_seconds": t_setup,
        "convert_seconds": t_convert,
        "validate_seconds": t_validate,
        "success": bool(result.success),
        "failures": {k: sorted(v) for k, v in failures.items()},
        "rss_before_mb": before,
        "peak_rss_mb": _peak_rss_mb(floor=before),
    }


# --------------------------------------------------------------------------- measuring


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mb(floor: float = 0.0) -> float:
    """Peak RSS of this process image: VmHWM, which starts anew at exec. (``ru_maxrss`` keeps
    the high-water mark of the process that forked us, here the benchmark's own ~1 GB.)

    Never below the RSS right now nor below ``floor`` (an RSS read earlier in this process):
    the kernel sums RSS in per-thread batches, so a high-water mark read a moment after
    :func:`_rss_mb` can trail it by a few kB.
    """
    peak = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    if peak is None:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return max(peak, _rss_mb(), floor)


_WORKER = """
import json, sys
from pathlib import Path
from bench import validation as bv
result = getattr(bv, sys.argv[1])(Path(sys.argv[2]), sys.argv[3] == "broken")
Path(sys.argv[4]).write_text(json.dumps(result), encoding="utf-8")
"""


def _in_fresh_process(function, parquet: Path, broken: bool) -> dict:
    """Run ``function`` in a new interpreter that has imported only this module.

    A plain ``python -c`` child, not multiprocessing's spawn: spawn re-imports the parent's
    ``__main__`` (``bench``, which imports the intake and so pandera), which hid
    pandera's import time and memory in the worker's start instead of measuring it like GX's.
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run(
            [
                sys.executable,
                "-c",
                _WORKER,
                function.__name__,
                str(parquet),
                "broken" if broken else "clean",
                str(out),
            ],
            check=True,
            cwd=REPO,
        )
        return json.loads(out.read_text(encoding="utf-8"))


def measure(parquet: Path, runs: int) -> dict:
    """Median of ``runs`` fresh-process runs per tool and variant (clean, broken)."""
    out = {}
    for variant in ("clean", "broken"):
        for tool, function in (("pandera", run_pandera), ("great_expectations", run_gx)):
            results = [_in_fresh_process(function, parquet, variant == "broken") for _ in range(runs)]
            summary = {
                k: statistics.median(r[k] for r in results)
                for k in (
                    "import_seconds",
                    "setup_seconds",
                    "convert_seconds",
                    "validate_seconds",
                    "peak_rss_mb",
                    "rss_before_mb",
                )
            }
            summary["total_seconds"] = (
                summary["setup_seconds"] + summary["convert_seconds"] + summary["validate_seconds"]
            )
            summary["rss_increase_mb"] = statistics.median(
                r["peak_rss_mb"] - r["rss_before_mb"] for r in results
            )
            summary.update(
                rows=results[0]["rows"],
                success=results[0]["success"],
                failures={k: len(v) for k, v in results[0]["failures"].items()},
                failing_rows=results[0]["failures"],
            )
            out[f"{tool}/{variant}"] = summary
    return out


def agreement(result: dict, parquet: Path) -> dict:
    """Do both tools find exactly the broken rows, rule by rule?"""
    _, expected = break_rows(pl.read_parquet(parquet))
    verdict = {}
    for rule in RULES:
        p = set(result["pandera/broken"]["failing_rows"][rule])
        g = set(result["great_expectations/broken"]["failing_rows"][rule])
        verdict[rule] = {
            "expected": len(expected[rule]),
            "pandera": len(p),
            "great_expectations": len(g),
            "same_rows": p == g == expected[rule],
        }
    return verdict


# --------------------------------------------------------------------------- report


def markdown_section(results: dict) -> str:
    m = results["machine"]
    lines = [
        "## 5. pandera vs great-expectations: the same rules on the same frame",
        "",
        f"- Command: `{results['command']}`"
        + (" (part of `make bench`)" if results["command"] == PROG else ""),
        f"- Date: {results['date_utc']} UTC",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, polars "
        f"{m['polars']}, pandera {m['pandera']}, great-expectations {results['gx_version']}; load average "
        f"(1 min) {results['load_average_before']} before, {results['load_average_after']} after",
        f"- Frame: typed participants (demo generator's biggest snapshot replicated with fresh pseudonyms); "
        f"`broken` = {BROKEN_PER_RULE} rows broken per rule. Median of {results['runs']} run(s), each in a "
        "fresh process. pandera validates the polars frame (lazy, all failure cases); GX 1.x validates a "
        "pandas frame (no polars data source) with `result_format=COMPLETE` (failing row indices), as in "
        "`esf_monitor/quality.py`.",
        f"- Rules ({len(RULES)}, built-ins of each tool): "
        + "; ".join(f"`{k}` {v}" for k, v in RULES.items()),
        "",
        "| rows | data | tool | import | suite/schema setup | polars → pandas | validate | total (excl. import) "
        "| peak RSS (+ over start) | ratio GX ÷ pandera |",
        "|--:|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size, res in results["sizes"].items():
        for variant in ("clean", "broken"):
            p, g = res[f"pandera/{variant}"], res[f"great_expectations/{variant}"]
            for name, r in (("pandera", p), ("great-expectations", g)):
                ratio = f"**{g['total_seconds'] / p['total_seconds']:.1f}×**" if name != "pandera" else ""
                lines.append(
                    f"| {int(size):,} | {variant} | {name} | {r['import_seconds']:.2f} s | {r['setup_seconds']:.2f} s "
                    f"| {r['convert_seconds']:.2f} s | {r['validate_seconds']:.2f} s | {r['total_seconds']:.2f} s "
                    f"| {r['peak_rss_mb']:,.0f} MB (+{r['rss_increase_mb']:,.0f} MB) | {ratio} |"
                )
    lines += [
        "",
        "Same rules, same findings (broken frame of each size; failing rows per rule):",
        "",
        "| rows | rule | broken rows | pandera | great-expectations | identical rows |",
        "|--:|---|--:|--:|--:|---|",
    ]
    for size, res in results["sizes"].items():
        for rule, v in res["agreement"].items():
            lines.append(
                f"| {int(size):,} | `{rule}` | {v['expected']} | {v['pandera']} | {v['great_expectations']} "
                f"| {'yes' if v['same_rows'] else '**no**'} |"
            )
    if results.get("notes"):
        lines += ["", results["notes"]]
    return "\n".join(lines)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, 1 run, not recorded")
    parser.add_argument("--rows", type=int, help=f"Zeilen / rows (default {FULL_ROWS:,})")
    parser.add_argument("--runs", type=int, help="Läufe / runs (default 3)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--benchmarks-md", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--record", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--notes", type=Path, help="Markdown-Datei: Lesart / reading appended to the section")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="nicht messen: früheres --json neu schreiben / render an earlier --json run",
    )
    args = parser.parse_args(argv)
    args.rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    args.runs = args.runs or (1 if args.quick else 3)
    args.record = (not args.quick) if args.record is None else args.record
    return args


def main(argv: list[str] | None = None) -> dict:
    from importlib.metadata import version

    from bench.ingest import machine

    args = _arguments(argv)
    if args.from_json:
        return _render(json.loads(args.from_json.read_text(encoding="utf-8")), args)
    results = {
        "benchmark": "validation",
        "command": " ".join([PROG, *(argv if argv is not None else sys.argv[2:])]).strip(),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "gx_version": version("great_expectations"),
        "runs": args.runs,
        "load_average_before": round(os.getloadavg()[0], 2),
        "sizes": {},
    }
    big = build_frame(args.work_dir, args.rows, args.seed)
    small = args.work_dir / f"participants_{MART_ROWS}.parquet"
    pl.read_parquet(big).head(MART_ROWS).write_parquet(small)
    for rows, path in ((MART_ROWS, small), (args.rows, big)):
        print(f"Messe / measuring {rows:,} rows ...", flush=True)
        res = measure(path, args.runs)
        res["agreement"] = agreement(res, path)
        for v in res.values():
            if isinstance(v, dict):
                v.pop("failing_rows", None)
        results["sizes"][str(rows)] = res
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return _render(results, args)


def _render(results: dict, args: argparse.Namespace) -> dict:
    from bench.ingest import record_section

    if args.notes:
        results["notes"] = args.notes.read_text(encoding="utf-8").strip()
    md = markdown_section(results)
    print(md)
    if args.record:
        record_section(args.benchmarks_md, "validation", md)
    return results


if __name__ == "__main__":
    main()
