"""The portal's upload → result page (``python -m bench.portal``, part of ``make bench``).

The question (issue #15, "Measure"): how long from sending a file in the upload form until the
result page has arrived, for a 10,000-row and a 1,000,000-row ``participants`` file, and the
portal's peak memory while it checks the big one. Target: the 10,000-row page within 3 s on
2 cores. Never part of ``make test``.

How: the ingest benchmark's files (``bench.ingest.build_files``: the demo generator's biggest
snapshot replicated with fresh pseudonyms, UTF-8, comma) in the generated data folder they
come with; the portal started as ``esf-monitor portal`` on a free port over that folder (its
own process: waitress + Django, the real settings), one provider account made through Django;
a client signs in and posts the file to the upload form as a browser does (multipart, CSRF
token), following the redirect to the result page. The clock runs from the first byte sent to
the last byte of the result page. Peak memory = the portal process's ``VmHWM`` (high-water
mark of its resident set) after the upload, beside its RSS before (the process is fresh for
each file size). The load average before and after is recorded: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.ingest import build_files, machine, record_section

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_WORK_DIR = REPO / "bench-data" / "portal"
SECTION = "portal"
PROG = "python -m bench.portal"
USER, PASSWORD = "bench-provider", "bench-Passwort-2025-lang"
TARGET_S = 3.0


def _vm(pid: int, key: str) -> float:
    """``VmHWM``/``VmRSS`` of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(ESF_DATA_DIR=str(data), ESF_PORTAL_MAX_UPLOAD_MB="2048")
    return env


def _make_account(data: Path, provider_id: str) -> None:
    code = (
        f"from portal.serve import setup, migrate; setup(); migrate()\n"
        f"from django.contrib.auth.models import User\nfrom portal.web.models import Account\n"
        f"User.objects.filter(username={USER!r}).delete()\n"
        f"u = User.objects.create_user({USER!r}, password={PASSWORD!r})\n"
        f"Account.objects.create(user=u, role='provider', provider_id={provider_id!r})\n"
    )
    subprocess.run([str(BIN / "python"), "-c", code], env=_env(data), cwd=REPO, check=True)


def _start(data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(BIN / "esf-monitor"), "portal", "--port", str(port)],
        env=_env(data),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in proc.stdout:
        if "Serving on" in line:
            break
    else:
        raise RuntimeError("portal did not start")
    return proc, f"http://127.0.0.1:{port}"


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def upload_once(session, url: str, provider_id: str, month: str, path: Path) -> dict:
    form = session.get(f"{url}/p/{provider_id}/upload/")
    with open(path, "rb") as fh:
        started = time.perf_counter()
        page = session.post(
            f"{url}/p/{provider_id}/upload/",
            data={
                "csrfmiddlewaretoken": _token(form.text),
                "extract_type": "participants",
                "month": month,
            },
            files={"file": (path.name, fh, "text/csv")},
            headers={"Referer": form.url},
        )
        seconds = time.perf_counter() - started
    if page.status_code != 200 or 'id="verdict"' not in page.text:
        raise RuntimeError(f"no result page: {page.status_code} {page.text[:500]}")
    check = re.search(r'id="check-seconds">([\d.,]+)', page.text)
    return {
        "seconds": round(seconds, 3),
        "check_seconds": float(check.group(1).replace(",", ".")) if check else None,
        "accepted": "Angenommen" in page.text,
    }


def measure(work_dir: Path, rows: int, samples: int) -> dict:
    import requests

    bench_file = build_files(work_dir / f"rows_{rows}", rows, ["utf8_comma"])[0]
    data = bench_file.registry_path.parent.parent
    _make_account(data, bench_file.provider_id)
    proc, url = _start(data)
    try:
        session = requests.Session()
        signin = session.get(f"{url}/signin/")
        session.post(
            f"{url}/signin/",
            data={
                "csrfmiddlewaretoken": _token(signin.text),
                "username": USER,
                "password": PASSWORD,
            },
            headers={"Referer": signin.url},
        )
        rss_before = _vm(proc.pid, "VmRSS")
        runs = [
            upload_once(session, url, bench_file.provider_id, bench_file.month, bench_file.path)
            for _ in range(samples)
        ]
        peak = _vm(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {
        "rows": bench_file.rows,
        "bytes": bench_file.bytes,
        "samples": runs,
        "median_s": statistics.median(r["seconds"] for r in runs),
        "median_check_s": statistics.median(
            r["check_seconds"] for r in runs if r["check_seconds"] is not None
        )
        if any(r["check_seconds"] is not None for r in runs)
        else None,
        "accepted": all(r["accepted"] for r in runs),
        "rss_before_mb": round(rss_before),
        "peak_rss_mb": round(peak),
    }


def report(results: dict) -> str:
    m = results["machine"]
    small, big = results["sizes"]
    met = "met" if small["median_s"] <= TARGET_S else "MISSED"
    lines = [
        "## 7. Portal: upload → result page (issue #15)",
        "",
        f"- Command: `{results['command']}` (`make bench` runs it after the latency benchmark)",
        f"- Date: {results['date']}",
        (
            f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
            f"polars {m['polars']}, pandera {m['pandera']}; load average (1 min) {results['load_before']} before, "
            f"{results['load_after']} after (the machine is shared with other work: every figure is slower than "
            "on an idle machine)"
        ),
        (
            "- Setup: `esf-monitor portal` (waitress + Django, the local settings, SQLite) over the generated folder "
            "of the ingest benchmark's files (UTF-8, comma); a signed-in client posts the file to the upload form "
            "(multipart, CSRF token) and follows the redirect; the clock runs from the request until the result "
            "page has arrived. The check is the intake's own `check_file`; an accepted file is then renamed into "
            "`landing/` (no pipeline runs here). Peak = `VmHWM` of the portal process (fresh per size)."
        ),
        "",
        "| file | size | samples (s) | median (s) | of which the check (s) | portal RSS before | portal peak RSS |",
        "|---|--:|---|--:|--:|--:|--:|",
    ]
    for size in results["sizes"]:
        lines.append(
            f"| {size['rows']:,} rows | {size['bytes'] / 2**20:,.1f} MB | "
            f"{', '.join(str(s['seconds']) for s in size['samples'])} | {size['median_s']:.2f} | "
            f"{size['median_check_s'] if size['median_check_s'] is not None else '–'} | "
            f"{size['rss_before_mb']} MB | {size['peak_rss_mb']} MB |"
        )
    lines += [
        "",
        (
            f"**{small['rows']:,} rows: median {small['median_s']:.2f} s — target ≤ {TARGET_S:g} s {met}.** "
            f"{big['rows']:,} rows: {big['median_s']:.1f} s, portal peak {big['peak_rss_mb']:,} MB "
            f"(+{big['peak_rss_mb'] - big['rss_before_mb']:,} MB while checking)."
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=5, help="uploads of the small file")
    parser.add_argument("--big-samples", type=int, default=1)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    sizes = [
        measure(args.work_dir, args.small_rows, args.samples),
        measure(args.work_dir, args.big_rows, args.big_samples),
    ]
    results = {
        "command": " ".join([PROG, *(argv if argv is not None else sys.argv[1:])]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 2),
        "sizes": sizes,
    }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    text = report(results)
    print(text)
    if not args.no_record:
        record_section(REPO / "BENCHMARKS.md", SECTION, text)


if __name__ == "__main__":
    main()
