"""``esf-dbt`` (esf_monitor/dbt_launcher.py) is what dagster-dbt starts, and it is dbt's CLI:
same exit codes, same output, no interpreter noise at exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.assets.dbt import DBT_PROJECT_DIR, dbt_resource

BIN = Path(sys.executable).parent


def _run(exe: str, *args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / exe), *args], cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
                          env=os.environ | {"ESF_DATA_DIR": str(data_dir)}, timeout=300)


def test_dagster_dbt_starts_the_launcher():
    assert Path(dbt_resource().dbt_executable) == BIN / "esf-dbt"


def test_the_launcher_answers_like_dbt(tmp_path):
    for args in (["--version"], ["no-such-command"], ["ls", "--select", "no_such_model_xyz"]):
        ours, theirs = _run("esf-dbt", *args, data_dir=tmp_path), _run("dbt", *args, data_dir=tmp_path)
        assert ours.returncode == theirs.returncode, args
        assert "nanobind" not in ours.stderr + ours.stdout
    assert _run("esf-dbt", "no-such-command", data_dir=tmp_path).returncode == 2


def test_a_failing_query_fails_through_the_launcher(tmp_path):
    """A dbt error must reach dagster-dbt as a non-zero exit code (it fails the step)."""
    (tmp_path / "warehouse").mkdir()
    args = ["show", "--inline", "select * from no_such_table_xyz"]
    ours, theirs = _run("esf-dbt", *args, data_dir=tmp_path), _run("dbt", *args, data_dir=tmp_path)
    assert ours.returncode == theirs.returncode != 0
    assert "no_such_table_xyz" in ours.stdout
    assert "nanobind" not in ours.stderr + ours.stdout


# --- the standby (esf_monitor.dbt_launcher.start_standby): same build, started sooner -----------

import json  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

from esf_monitor import dbt_launcher  # noqa: E402


def _wait(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _front(data_dir: Path, *args: str, target_of: Path | None = None) -> tuple[subprocess.CompletedProcess, set]:
    """``esf-dbt <args>`` started the way dagster-dbt starts it; also the pids in its JSON log."""
    env = os.environ | {"ESF_DATA_DIR": str(data_dir), "DBT_LOG_FORMAT": "json",
                        "DBT_TARGET_PATH": str(dbt_launcher.dbt_target_dir(target_of or data_dir)),
                        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    result = subprocess.run([str(BIN / "esf-dbt"), *args], cwd=DBT_PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    pids = {json.loads(line)["info"]["pid"] for line in result.stdout.splitlines() if line.startswith("{")}
    return result, pids


def _standby_for(data_dir: Path, monkeypatch) -> subprocess.Popen:
    monkeypatch.setenv("ESF_DATA_DIR", str(data_dir))
    proc = dbt_launcher.start_standby(data_dir)
    assert proc is not None
    address = dbt_launcher.standby_address(dbt_launcher.dbt_target_dir(data_dir))
    _wait(lambda: dbt_launcher._standby_alive(address))
    return proc


def test_a_standby_runs_the_fronts_command_and_leaves(tmp_path, monkeypatch):
    (tmp_path / "warehouse").mkdir()
    standby = _standby_for(tmp_path, monkeypatch)
    assert dbt_launcher.start_standby(tmp_path) is None  # one per data folder
    result, pids = _front(tmp_path, "show", "--inline", "select 6 * 7 as answer")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert pids == {standby.pid}  # every log line came from the standby
    assert "42" in result.stdout
    assert standby.wait(timeout=30) == 0
    address = dbt_launcher.standby_address(dbt_launcher.dbt_target_dir(tmp_path))
    assert not os.path.exists(address) and not os.path.exists(address + ".pid")
    assert not (tmp_path / "warehouse" / "esf.duckdb.wal").exists()  # closed and checkpointed
    again, pids = _front(tmp_path, "show", "--inline", "select 1 as one")  # no standby: dbt itself
    assert again.returncode == 0 and standby.pid not in pids


def test_a_failing_command_fails_the_same_through_a_standby(tmp_path, monkeypatch):
    (tmp_path / "warehouse").mkdir()
    plain, _ = _front(tmp_path, "show", "--inline", "select * from no_such_table_xyz")
    standby = _standby_for(tmp_path, monkeypatch)
    served, pids = _front(tmp_path, "show", "--inline", "select * from no_such_table_xyz")
    assert pids == {standby.pid}
    assert served.returncode == plain.returncode != 0
    assert "no_such_table_xyz" in served.stdout
    standby.wait(timeout=30)


def test_a_standby_refuses_another_data_folder_and_dbt_runs_itself(tmp_path, monkeypatch):
    mine, other = tmp_path / "mine", tmp_path / "other"
    for folder in (mine, other):
        (folder / "warehouse").mkdir(parents=True)
    standby = _standby_for(mine, monkeypatch)
    result, pids = _front(other, "show", "--inline", "select 1 as one", target_of=mine)
    assert result.returncode == 0 and standby.pid not in pids
    assert standby.wait(timeout=30) == 0


def test_an_idle_standby_is_stopped_and_a_killed_one_replaced(tmp_path, monkeypatch):
    address = dbt_launcher.standby_address(dbt_launcher.dbt_target_dir(tmp_path))
    standby = _standby_for(tmp_path, monkeypatch)
    dbt_launcher.stop_standby(standby)
    assert standby.returncode is not None and not os.path.exists(address)
    killed = _standby_for(tmp_path, monkeypatch)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    assert os.path.exists(address)  # left behind by the killed standby ...
    fresh = dbt_launcher.start_standby(tmp_path)  # ... and not mistaken for a live one
    assert fresh is not None
    _wait(lambda: dbt_launcher._standby_alive(address))
    dbt_launcher.stop_standby(fresh)


def test_a_standby_leaves_when_the_process_that_started_it_is_gone(tmp_path):
    starter = subprocess.run(
        [sys.executable, "-c", "import sys; from esf_monitor.dbt_launcher import start_standby; "
         "print(start_standby(sys.argv[1]).pid)", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=os.environ | {"ESF_DATA_DIR": str(tmp_path)})
    pid = int(starter.stdout.strip())
    _wait(lambda: not Path(f"/proc/{pid}").exists()
          or b"Z" in Path(f"/proc/{pid}/stat").read_bytes().split(b")")[-1][:3], seconds=60)


def test_the_standby_socket_lives_in_a_directory_only_this_user_may_enter(tmp_path):
    address = dbt_launcher.standby_address(dbt_launcher.dbt_target_dir(tmp_path))
    folder = Path(address).parent
    assert folder.name == f"esf-dbt-{os.getuid()}"
    assert dbt_launcher._private_dir(address)
    assert folder.stat().st_mode & 0o077 == 0


def test_a_standby_refuses_options_that_change_the_parse(tmp_path, monkeypatch):
    (tmp_path / "warehouse").mkdir()
    standby = _standby_for(tmp_path, monkeypatch)
    result, pids = _front(tmp_path, "show", "--vars", "{x: 1}", "--inline", "select 1 as one")
    assert result.returncode == 0 and standby.pid not in pids  # dbt ran itself
    assert standby.wait(timeout=30) == 0


def test_a_standby_serving_a_build_is_not_stopped_by_its_starter(tmp_path, monkeypatch):
    """stop_standby (the end of the run that started it) must not kill a build the standby
    serves — possibly for another run on the same data folder."""
    (tmp_path / "warehouse").mkdir()
    standby = _standby_for(tmp_path, monkeypatch)
    env = os.environ | {"ESF_DATA_DIR": str(tmp_path), "DBT_LOG_FORMAT": "json",
                        "DBT_TARGET_PATH": str(dbt_launcher.dbt_target_dir(tmp_path)),
                        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)}
    front = subprocess.Popen([str(BIN / "esf-dbt"), "show", "--inline", "select 42 as answer"],
                             cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    address = dbt_launcher.standby_address(dbt_launcher.dbt_target_dir(tmp_path))
    _wait(lambda: not os.path.exists(address) or front.poll() is not None)  # taken: serving
    dbt_launcher.stop_standby(standby)
    out, _ = front.communicate(timeout=120)
    assert front.returncode == 0 and "42" in out
