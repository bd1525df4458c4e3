"""Event latency under ``make ui`` (``python -m bench.latency``, part of ``make bench``).

The question: a project drops a 10,000-row ``participants`` extract into ``landing/`` while
``dagster dev`` (webserver + daemon) runs — how long until its dashboard is rewritten?
Targets on an idle 2-core machine: p50 ≤ 20 s, p95 ≤ 30 s over ≥ 5 samples (p95 by nearest
rank: with 5–20 samples, the slowest one). Never part of ``make test`` (a timing in a test
fails on a busy machine and proves nothing on a quiet one).

How it is measured, and why:

- a generated demo folder (12 months) is processed once headlessly (``esf-monitor run``), so
  the warehouse, the dbt models and the dashboards exist, as on a running system;
- ``esf-monitor ui`` (= ``dagster dev`` over the folder) is started and left to settle (a
  refresh it starts on its own is waited for), then for every sample a changed 10,000-row
  version of one project's latest snapshot is written next to its landing file and RENAMED
  into place (what upload tools do), and the clock runs from the rename until
  ``dashboards/internal/overview.html`` has a new modification time (the dashboards asset
  writes it; index.html follows within milliseconds; the public release follows after its
  disclosure audit, in the same run). The settle time of the landing scan
  (``ESF_SETTLE_SECONDS``, contract default 10 s) is part of what is measured: an SFTP upload
  cannot be told from a finished one before it (docs/decisions.md, "Settle time");
- between samples everything settles (no run queued or running), so each sample is one
  upload into an idle system — the event the target is about;
- the profile of every sample comes from the Dagster instance itself (run creation, start and
  end times, step times): sensor tick → ingest run launch → ingest → refresh request → refresh
  launch → registry + delivery log → dbt build → GX checks → exports → dashboards;
- the load average before and after is recorded: the machine is shared, other work slows
  every stage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.ingest import machine, record_section, replicate
from esf_monitor.intake.landing import settle_seconds

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_WORK_DIR = REPO / "bench-data" / "latency"  # git-ignored
DEFAULT_BENCHMARKS_MD = REPO / "BENCHMARKS.md"
SECTION = "latency"
PROG = "python -m bench.latency"
TARGET_P50_S, TARGET_P95_S = 20.0, 30.0
MONTH = "2025-12"
ROWS = 10_000
#: (label, how it is computed) of the profile columns, in pipeline order
STAGES = [
    ("sensor", "file renamed → first run created (landing sensor tick, scan, checksum)"),
    ("launch ingest", "first run created → started (queue, run process start)"),
    (
        "ingest",
        "ingest run started → ended, or step raw_<type> of an upload_<type> run (read, pandera, DuckDB load)",
    ),
    (
        "refresh request",
        "ingest run ended → refresh run created (refresh sensor tick; – = none: "
        "one upload_<type> run did it all)",
    ),
    ("launch refresh", "refresh run created → started (queue, run process start; – = none)"),
    ("registry+log", "steps registry and delivery_log"),
    ("dbt", "step esf_dbt_models (dbt build with tests)"),
    ("GX", "step quality_checks (great-expectations)"),
    ("exports", "step indicator_exports"),
    ("dashboards", "step dashboards (until overview.html is written)"),
]


def _env(root: Path) -> dict[str, str]:
    return dict(os.environ, ESF_DATA_DIR=str(root), DAGSTER_HOME=str(root / "dagster_home"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_folder(work_dir: Path, seed: int, console: Console) -> Path:
    """A generated 12-month demo folder, processed once headlessly (a running system)."""
    from esf_monitor.demo.generator import generate

    root = work_dir / "data"
    if root.exists():
        shutil.rmtree(root)
    console.print(f"Erzeuge Demo-Daten / generating demo data into {root} ...")
    generate(root, seed=seed, scale=1.0, months=12, end_month=MONTH, process=False)  # as recorded
    console.print("Erster Lauf / first headless run (esf-monitor run) ...")
    proc = subprocess.run([str(BIN / "esf-monitor"), "run"], env=_env(root), capture_output=True, text=True)
    from bench.e2e import check_ran

    check_ran(proc.returncode, proc.stdout + "\n" + proc.stderr)  # 3 = ran, some files rejected
    return root


def upload_versions(root: Path, samples: int) -> tuple[Path, list[bytes]]:
    """The slot's landing path and ``samples`` distinct valid 10k-row versions of it (CSV).

    The biggest latest CSV snapshot of the folder, read back through the intake (proves it
    valid), replicated with fresh pseudonyms to 10,000 rows; version i drops its last i rows,
    so every sample has new bytes (a new checksum) and stays a valid snapshot.
    """
    from esf_monitor.demo.generator import DIALECTS
    from esf_monitor.demo.generator import _write as write_extract
    from esf_monitor.intake import check_file, read_registry

    registry = read_registry(root / "reference" / "projects.csv")
    snapshots = sorted(root.glob(f"landing/*/participants/{MONTH}.csv"), key=lambda p: p.stat().st_size)
    path = snapshots[-1]
    provider_id = path.parts[-3]
    result = check_file(path, provider_id, "participants", MONTH, registry)
    if not result.ok:
        raise RuntimeError(f"generated snapshot rejected: {result.summary_en}")
    frame = replicate(result.data.drop("_source_row"), ROWS + samples)
    versions = []
    scratch = root.parent / "upload.csv"
    for i in range(samples):
        write_extract(frame.head(ROWS + samples - 1 - i), scratch, DIALECTS["utf8_comma"])
        versions.append(scratch.read_bytes())
    scratch.unlink()
    return path, versions


def start_ui(root: Path, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w", encoding="utf-8")
    return subprocess.Popen(
        [str(BIN / "esf-monitor"), "ui", "--port", str(_free_port())],
        env=_env(root),
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


_ACTIVE = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def settle(instance, proc: subprocess.Popen, quiet_s: float = 12.0, timeout_s: float = 900.0) -> None:
    """Until no run has been queued or running for ``quiet_s`` (two sensor ticks)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("dagster dev ended")
        busy = any(r.status.value in _ACTIVE for r in instance.get_runs(limit=20))
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        time.sleep(0.5)
    raise RuntimeError("the system did not settle")


def wait_for_daemon(instance, proc: subprocess.Popen, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("dagster dev ended")
        beats = instance.get_daemon_heartbeats()
        if "SENSOR" in beats and "QUEUED_RUN_COORDINATOR" in beats:
            return
        time.sleep(0.5)
    raise RuntimeError("the daemon did not start")


def tree_cpu_seconds(proc: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by ``dagster dev`` and everything under it.

    Finished run processes count through their parent's ``children_*`` times (they are waited
    for), live ones directly. The difference over a sample is what one upload costs the
    machine, whatever else runs on it — a latency the other load cannot inflate.
    """
    import psutil

    total = 0.0
    try:
        root = psutil.Process(proc.pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.NoSuchProcess:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def one_sample(
    instance,
    proc: subprocess.Popen,
    landing_path: Path,
    content: bytes,
    overview: Path,
    timeout_s: float = 900.0,
) -> dict:
    before = overview.stat().st_mtime_ns
    cpu_before = tree_cpu_seconds(proc)
    tmp = landing_path.with_name(f".{landing_path.name}.part")
    tmp.write_bytes(content)
    t0 = time.time()
    os.replace(tmp, landing_path)
    deadline = time.monotonic() + timeout_s
    while overview.stat().st_mtime_ns == before:
        if proc.poll() is not None:
            raise RuntimeError("dagster dev ended")
        if time.monotonic() > deadline:
            raise RuntimeError("the dashboard was not rewritten")
        time.sleep(0.1)
    t1 = overview.stat().st_mtime_ns / 1e9
    cpu = tree_cpu_seconds(proc) - cpu_before
    settle(instance, proc)
    return {"seconds": round(t1 - t0, 1), "cpu_seconds": round(cpu, 1), **profile(instance, t0, t1)}


def profile(instance, t0: float, t1: float) -> dict:
    """Stage durations of the runs created after ``t0`` (see STAGES).

    Two shapes: one ``upload_<type>`` run (a lone upload into an idle system: slot and
    everything downstream in one run — refresh request and refresh launch do not exist, "–"),
    or an ``ingest_<type>`` run followed by a ``refresh_indicators`` run.
    """
    records = [r for r in instance.get_run_records() if r.create_timestamp.timestamp() >= t0]
    first = [r for r in records if r.dagster_run.job_name.startswith(("ingest_", "upload_"))]
    out: dict = {
        "runs": sorted(r.dagster_run.job_name for r in records),
        "failed": [r.dagster_run.job_name for r in records if r.dagster_run.status.value != "SUCCESS"],
    }
    if not first:
        return out
    i = min(first, key=lambda r: r.create_timestamp)
    if i.dagster_run.job_name.startswith("upload_"):
        f = None
        steps = {s.step_key: s for s in instance.get_run_step_stats(i.dagster_run.run_id)}
    else:
        refresh = [r for r in records if r.dagster_run.job_name == "refresh_indicators"]
        if not refresh:
            return out
        f = min(refresh, key=lambda r: r.create_timestamp)
        steps = {s.step_key: s for s in instance.get_run_step_stats(f.dagster_run.run_id)}

    def step(*keys):
        return round(
            sum((steps[k].end_time or 0) - (steps[k].start_time or 0) for k in keys if k in steps), 1
        )

    raw_step = next((k for k in steps if k.startswith("raw_")), None)
    out["stages"] = {
        "sensor": round(i.create_timestamp.timestamp() - t0, 1),
        "launch ingest": round(i.start_time - i.create_timestamp.timestamp(), 1),
        "ingest": round(i.end_time - i.start_time, 1) if f else step(raw_step),
        "refresh request": round(f.create_timestamp.timestamp() - i.end_time, 1) if f else None,
        "launch refresh": round(f.start_time - f.create_timestamp.timestamp(), 1) if f else None,
        "registry+log": step("registry", "delivery_log"),
        "dbt": step("esf_dbt_models"),
        "GX": step("quality_checks"),
        "exports": step("indicator_exports"),
        "dashboards": round(t1 - steps["dashboards"].start_time, 1) if "dashboards" in steps else None,
    }
    return out


def markdown_section(results: dict) -> str:
    m = results["machine"]
    samples = results["samples"]
    median = results["median_s"]
    p95 = results.get("p95_s", max(s["seconds"] for s in samples))
    met = median <= TARGET_P50_S and p95 <= TARGET_P95_S
    listed = ", ".join(f"{s['seconds']:.1f}" for s in samples)
    cpu_listed = ", ".join(f"{s.get('cpu_seconds', 0):.1f}" for s in samples)
    cpu_median = statistics.median(s.get("cpu_seconds", 0) for s in samples) if samples else 0.0
    lines = [
        "## 4. Event latency: a 10,000-row upload under `make ui` until its dashboard is rewritten",
        "",
        f"- Command: `{results['command']}` (`make bench` runs it after the ingest benchmark)",
        f"- Date: {results['date_utc']} UTC",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"duckdb {m['duckdb']}, polars {m['polars']}; load average (1 min) {results['load_average_before']} "
        f"before, {results['load_average_after']} after (the machine is shared: other work slows every stage)",
        f"- Setup: generated demo folder (seed {results['seed']}, 12 months), processed once with "
        f"`esf-monitor run`; then `esf-monitor ui` (= `dagster dev`: webserver + daemon). Each sample "
        f"renames a changed {ROWS:,}-row version of `{results['slot']}` into `landing/` (new checksum "
        f"each time) and waits for `dashboards/internal/overview.html` to be rewritten; everything "
        f"settles between samples; settle time of the landing scan {settle_seconds():g} s "
        f"(`ESF_SETTLE_SECONDS`, contract default 10 s).",
        "- Settings that bound the latency: landing and refresh sensors evaluated on every loop "
        "of the sensor daemon (every 5 s; `minimum_interval_seconds=1`), run queue checked every "
        "1 s (`run_queue.dequeue_interval_seconds`), in-process executor (one process per run); "
        "a lone upload into an idle system is one `upload_<type>` run (slot → dashboards; dbt "
        "builds every model, runs the marts' tests), a burst is ingest runs + one refresh.",
        "",
        f"**p50 {median:.1f} s, p95 {p95:.1f} s over {len(samples)} samples — targets p50 ≤ "
        f"{TARGET_P50_S:.0f} s, p95 ≤ {TARGET_P95_S:.0f} s {'met' if met else 'missed'}.** Samples: {listed} s.",
        "",
        f"CPU time the upload cost (`dagster dev` and every process under it, user + system, from "
        f"the rename until the dashboard was rewritten): median {cpu_median:.1f} s; samples: "
        f"{cpu_listed} s. Other work on the machine cannot inflate this figure much; on an idle "
        "2-core machine, where the pipeline's stages run one after another, it approximates the "
        "latency the same upload would have (sensor waits and the queue's 1 s poll come on top).",
        "",
        "### Where the time goes (per sample, seconds, from the Dagster instance)",
        "",
        "| sample | total | " + " | ".join(label for label, _ in STAGES) + " |",
        "|---|--:|" + "--:|" * len(STAGES),
    ]
    for n, s in enumerate(samples, 1):
        st = s.get("stages", {})
        lines.append(
            f"| {n} | {s['seconds']:.1f} | "
            + " | ".join("–" if st.get(label) is None else f"{st[label]:.1f}" for label, _ in STAGES)
            + " |"
        )
    if samples and all("stages" in s for s in samples):
        med = {label: statistics.median(s["stages"][label] or 0 for s in samples) for label, _ in STAGES}
        absent = {label for label, _ in STAGES if all(s["stages"][label] is None for s in samples)}
        lines.append(
            "| median | "
            + f"{median:.1f} | "
            + " | ".join("–" if label in absent else f"{med[label]:.1f}" for label, _ in STAGES)
            + " |"
        )
        overhead = med["sensor"] + med["launch ingest"] + med["refresh request"] + med["launch refresh"]
        shapes = sorted({" + ".join(s.get("runs", [])) for s in samples})
        lines += [
            "",
            "Stages: " + "; ".join(f"*{label}* = {text}" for label, text in STAGES) + ".",
            "",
            f"Runs per sample: {'; '.join(shapes)}. "
            f"Of the median, {overhead:.1f} s is orchestration (sensor ticks, run queue, run "
            f"processes starting) and {med['dbt'] + med['GX']:.1f} s is dbt build plus the "
            f"great-expectations checks; the file itself ({med['ingest']:.1f} s to read, "
            "validate and load) is a small part.",
        ]
        lines += ["", ("What it points at: " if not met else "Reading: ") + results.get("analysis", "")]
    failed = [s for s in samples if s.get("failed")]
    if failed:
        lines += ["", f"**{len(failed)} sample(s) had a failed run**: {[s['failed'] for s in failed]}"]
    return "\n".join(lines)


ANALYSIS = (
    "a lone upload into an idle system is one `upload_<type>` run (orchestration/planning.py), so "
    "there is one run-process start (the *launch* column: the run queue's ≤ 1 s poll plus "
    "importing the code location — dagster, dagster-dbt with dbt-core, pandera — before the "
    "first step) and no refresh sensor tick; the landing sensor is evaluated on every 5 s loop "
    "of the daemon. dbt starts as its own process for the build (dagster-dbt's `dbt build`), "
    "with dbt's partial parse kept per data folder; Dagster's own SQLite storage. The "
    "staging/intermediate tests run with every `refresh_indicators` (bursts) and nightly "
    '(docs/decisions.md, "Event latency"). Earlier figures, with the process tricks of issue #7 '
    'that issue #14 removed (docs/decisions.md, "One path"): '
    "12.7 s median (2026-11-30 19:12 UTC); 23.2 s before them (15:22 UTC)."
)


def p95(values) -> float:
    """95th percentile by nearest rank: the smallest sample at least 95 % of the samples do not
    exceed (no interpolation: with few samples it is the slowest one, never an invented value)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples", type=int, default=7, help="Messungen / samples (default 7; ≥ 5 for the targets)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 Messungen, nicht eingetragen / 2 samples, not recorded"
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
    if args.quick:
        args.samples = 2
    if args.record is None:
        args.record = not args.quick
    return args


def main(argv: list[str] | None = None) -> dict:
    import dagster as dg

    args = _arguments(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    root = prepare_folder(args.work_dir, args.seed, console)
    landing_path, versions = upload_versions(root, args.samples)
    results = {
        "benchmark": SECTION,
        "command": " ".join([PROG, *(argv if argv is not None else sys.argv[1:])]).strip(),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "seed": args.seed,
        "slot": f"{landing_path.parts[-3]}|participants|{MONTH}",
        "load_average_before": round(os.getloadavg()[0], 2),
        "samples": [],
    }
    console.print("Starte / starting esf-monitor ui (dagster dev) ...")
    proc = start_ui(root, args.work_dir / "dagster_dev.log")
    instance = dg.DagsterInstance.from_config(str(root / "dagster_home"))
    try:
        wait_for_daemon(instance, proc)
        settle(instance, proc)
        for n, content in enumerate(versions, 1):
            sample = one_sample(
                instance, proc, landing_path, content, root / "dashboards" / "internal" / "overview.html"
            )
            results["samples"].append(sample)
            console.print(
                f"Messung / sample {n}: {sample['seconds']:.1f} s, CPU {sample['cpu_seconds']:.1f} s  "
                f"{sample.get('stages', {})}"
            )
    finally:
        stop(proc)
        instance.dispose()
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    results["median_s"] = statistics.median(s["seconds"] for s in results["samples"])
    results["p95_s"] = p95(s["seconds"] for s in results["samples"])
    results["target_met"] = results["median_s"] <= TARGET_P50_S and results["p95_s"] <= TARGET_P95_S
    results["analysis"] = ANALYSIS
    table = Table(
        title=f"Event latency (p50 {results['median_s']:.1f} s, p95 {results['p95_s']:.1f} s; "
        f"targets ≤ {TARGET_P50_S:.0f} s, ≤ {TARGET_P95_S:.0f} s)"
    )
    table.add_column("sample")
    table.add_column("seconds", justify="right")
    for n, s in enumerate(results["samples"], 1):
        table.add_row(str(n), f"{s['seconds']:.1f}")
    console.print(table)
    if args.record:
        record_section(args.benchmarks_md, SECTION, markdown_section(results))
        console.print(f"Eingetragen in / recorded in {args.benchmarks_md}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
