"""The project staff's commands: validate before upload, upload atomically, refuse bad files."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from orchestration.cli import app

HANDCALC = Path(__file__).parents[1] / "fixtures" / "handcalc"
runner = CliRunner()


def _setup(data_dir: Path) -> Path:
    shutil.copytree(HANDCALC / "reference", data_dir / "reference")
    return HANDCALC / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"


def test_validate_accepts_a_good_file_and_upload_places_it_atomically(data_dir):
    good = _setup(data_dir)
    args = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
    result = runner.invoke(app, ["validate", str(good), *args])
    assert result.exit_code == 0, result.output
    assert "ANGENOMMEN" in result.output.upper()
    result = runner.invoke(app, ["upload", str(good), *args])
    assert result.exit_code == 0, result.output
    placed = data_dir / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"
    assert placed.read_bytes() == good.read_bytes()
    assert [p.name for p in placed.parent.iterdir()] == ["2024-06.csv"]  # no temp file left


def test_validate_and_upload_refuse_a_bad_file_with_a_report(data_dir, tmp_path):
    good = _setup(data_dir)
    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "export.csv"
    bad.write_text(
        "\n".join([lines[0]] + [lines[1].replace(",f,", ",w,", 1)] + lines[2:]) + "\n", encoding="utf-8"
    )
    args = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
    result = runner.invoke(app, ["validate", str(bad), *args, "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "gender" in result.output and "'w'" in result.output
    assert (tmp_path / "r" / "export.errors.csv").exists()
    result = runner.invoke(app, ["upload", str(bad), *args])
    assert result.exit_code == 1
    assert not (data_dir / "landing" / "HC-ALPHA").exists()


# --- the console script itself (orchestration.cli.main) ---------------------------------------

CLI = Path(sys.executable).parent / "esf-monitor"


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLI), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ | {"ESF_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")},
    )


def test_the_console_script_keeps_exit_codes_and_flushes_its_output(data_dir, tmp_path):
    good = _setup(data_dir)
    args = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
    ok = _cli(data_dir, "validate", str(good), *args)
    assert ok.returncode == 0 and "ANGENOMMEN" in ok.stdout.upper()
    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "export.csv"
    bad.write_text(
        "\n".join([lines[0], lines[1].replace(",f,", ",w,", 1), *lines[2:]]) + "\n", encoding="utf-8"
    )
    refused = _cli(data_dir, "validate", str(bad), *args, "--report-dir", str(tmp_path / "r"))
    assert refused.returncode == 1 and "gender" in refused.stdout  # the report's last lines arrive
    assert _cli(data_dir, "no-such-command").returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = _cli(empty, "run")
    assert missing.returncode == 2 and "registry missing" in " ".join(missing.stdout.split())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ui_passes_sigterm_on_and_leaves_no_process_behind(data_dir):
    """`kill <pid>` of `esf-monitor ui` (a service manager's stop) ends dagster dev, its
    webserver, daemon and code servers too: the whole process group is gone."""
    port = _free_port()
    ui = subprocess.Popen(
        [str(CLI), "ui", "--port", str(port)],
        env=os.environ | {"ESF_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir / "dagster_home")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: what it leaves behind can be seen
    )
    try:
        deadline = time.monotonic() + 600  # the code location loads the dbt manifest first
        while True:
            assert ui.poll() is None, f"esf-monitor ui ended early: {ui.returncode}"
            assert time.monotonic() < deadline, "webserver never answered"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)  # polling the port: the webserver is not listening yet
        ui.send_signal(signal.SIGTERM)  # to esf-monitor only, not to the group
        assert ui.wait(timeout=120) == 0
        deadline = time.monotonic() + 60
        while _group_alive(ui.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(ui.pid), "processes of esf-monitor ui left running"
    finally:
        if _group_alive(ui.pid):
            os.killpg(ui.pid, signal.SIGKILL)
        ui.wait(timeout=30)
