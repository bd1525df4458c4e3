"""``esf-dbt``: the dbt CLI (dbt's own ``cli`` / ``dbtRunner``) started the cheap way.

dagster-dbt runs dbt as a subprocess for every build (orchestration/assets/dbt.py points its
``dbt_executable`` here). A dbt process spends ~2.3 s before its first model: importing
dbt-core and the DuckDB adapter (~1.4 s) and loading the project with its partial parse
(~0.9 s). For a lone monthly upload that is a sixth of the whole run (BENCHMARKS.md, section
3). Two measures, both keeping dbt's arguments, environment, output and exit code:

1. **Imports with the garbage collector paused, then frozen**
   (:func:`esf_monitor.imports.frozen_imports`, ≈ 0.35 s per dbt process, measured
   alternately: ``dbt build --select delivery_status`` 3.4–3.8 s → 3.1–3.3 s).

2. **A standby that starts while the run is still busy elsewhere.** ``start_standby`` (called
   when a lone upload's run begins: esf_monitor/runner.py, orchestration/assets/intake.py)
   spawns ``esf-dbt --esf-standby <target dir>``: it imports dbt and parses the project
   (``dbtRunner().invoke(["parse"])``, in a private copy of the target folder — parsing never
   opens the warehouse) while the run process imports Dagster and validates and loads the
   file, then waits on a Unix socket. When dagster-dbt later starts ``esf-dbt build …``,
   that front process hands its arguments, environment, working directory and its stdin,
   stdout and stderr (the file descriptors themselves) to the standby, which runs the build
   with the parsed manifest (``dbtRunner(manifest=…)``, dbt's documented way to reuse it),
   closes its DuckDB database (so the warehouse is checkpointed and free before the next step
   opens it), reports the exit code and ends. dagster-dbt reads the very same JSON log lines
   from the same pipe; the front forwards SIGINT/SIGTERM (as SIGINT) to the standby, and the
   standby interrupts its build if the front dies. Measured: the build
   step starts its first model ~2 s sooner.

   The standby serves exactly one build and never outlives its purpose: it leaves after
   :data:`STANDBY_WAIT_S` without a request and as soon as the process that started it is
   gone. Whenever it cannot serve — not there, parse failed, a different data folder, project
   or profile in the request — the front runs dbt itself, as before: a standby can make a
   build faster, never different.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from esf_monitor.imports import frozen_imports

#: the dbt project (dbt_project/ next to this package)
DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
#: a standby nobody asked for leaves after this many seconds (a run may wait a little for the
#: warehouse pool before its dbt step starts; after that, dbt simply starts the usual way)
STANDBY_WAIT_S = 120
#: environment that must match between the standby's parse and the build it is asked to run
_SAME = ("ESF_DATA_DIR", "ESF_DUCKDB_MEMORY_LIMIT", "ESF_DUCKDB_THREADS")


def dbt_target_dir(data_root: Path) -> Path:
    """dbt's target/ of a data folder (see orchestration.assets.dbt.dbt_target_dir)."""
    return Path(data_root) / "dagster_home" / "dbt_target"


def standby_address(target_dir: Path) -> str:
    """The standby's socket for one dbt target folder, in this user's own directory.

    Not inside the data folder: socket paths are limited to ~100 bytes, and a data folder's
    path may be long. The directory (``<tmp>/esf-dbt-<uid>``, mode 0700) keeps other users from
    planting a socket there that a front would hand its environment and output to.
    """
    digest = hashlib.sha256(str(Path(target_dir).resolve()).encode()).hexdigest()[:20]
    return os.path.join(tempfile.gettempdir(), f"esf-dbt-{os.getuid()}", f"{digest}.sock")


def _private_dir(address: str) -> bool:
    """Create the socket's directory if needed; True if it is this user's and nobody else's."""
    folder = os.path.dirname(address)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and stat.S_IMODE(info.st_mode) & 0o077 == 0)


def start_standby(data_root: Path) -> subprocess.Popen | None:
    """Start a standby dbt for this data folder unless one is waiting already (module docstring).

    Returns the process (the caller need not wait for it) or None. Best effort: a standby
    that cannot be started costs the speed-up, never the run.

    Own session (``start_new_session``): a Ctrl-C in the terminal reaches dbt once, through
    the front that forwards it, not twice; a standby whose starter is gone leaves by itself.
    """
    target = dbt_target_dir(data_root)
    address = standby_address(target)
    try:
        if not _private_dir(address) or _standby_alive(address):
            return None
        for stale in (address, address + ".pid"):  # left by a standby that was killed
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stale)
        launcher = Path(sys.executable).with_name("esf-dbt")
        env = os.environ | {"ESF_DATA_DIR": str(data_root)}
        return subprocess.Popen([str(launcher), "--esf-standby", str(target), str(os.getpid())],
                                cwd=DBT_PROJECT_DIR, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except OSError:
        return None


def stop_standby(proc: subprocess.Popen | None) -> None:
    """End a standby that nobody used (e.g. the upload was rejected) and reap it, so that its
    CPU time counts for the process that started it.

    A standby that is serving a build — possibly another run's on the same data folder —
    ignores SIGTERM and is left to finish (it ends by itself when the build is done).
    """
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()  # an idle standby removes its socket and leaves at once
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass  # serving: it exits when its build is done (reaped by subprocess later)


def _standby_alive(address: str) -> bool:
    try:
        pid = int(Path(address + ".pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    return os.path.exists(address) and b"--esf-standby" in cmdline


def _import_dbt():
    with frozen_imports():
        from dbt.cli.main import cli, dbtRunner
    return cli, dbtRunner


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--esf-standby"] and len(args) == 3:
        _standby(Path(args[1]), int(args[2]))
        return
    code = _hand_over(args)
    if code is not None:
        sys.exit(code)
    cli, _ = _import_dbt()
    cli()  # click's standalone mode: parses sys.argv, exits with dbt's exit code


# --------------------------------------------------------------------------- the front


def _hand_over(args: list[str]) -> int | None:
    """Let a waiting standby run this dbt command; its exit code, or None (run dbt here)."""
    target = os.environ.get("DBT_TARGET_PATH")
    if not target or args[:1] == ["--esf-standby"]:
        return None
    address = standby_address(Path(target))
    if not os.path.exists(address) or not _private_dir(address):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
        request = json.dumps({"argv": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [len(request).to_bytes(8, "big") + request], [0, 1, 2])
        replies = conn.makefile("rb")
        first = json.loads(replies.readline() or b"{}")
    except (OSError, ValueError):
        conn.close()
        return None
    if not first.get("accepted"):
        conn.close()
        return None
    pid = int(first["pid"])

    def forward(_signum, _frame):
        # SIGINT is dbt's way of being interrupted; a serving standby ignores SIGTERM (it may
        # be stopped by the run that started it while it builds for this one)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    line = replies.readline()
    code = int(json.loads(line)["code"]) if line else 2  # the standby died mid-build
    _wait_until_gone(pid)  # its DuckDB database (and file lock) goes with it at the latest
    conn.close()
    return code


def _wait_until_gone(pid: int) -> None:
    """Block until process ``pid`` has ended (it is not our child: a pidfd, or /proc)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        while Path(f"/proc/{pid}").exists() and b") Z" not in Path(f"/proc/{pid}/stat").read_bytes():
            time.sleep(0.02)
        return
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the standby


def _standby(target: Path, parent: int) -> None:
    """Import dbt, parse, wait for one front, run its command, leave (module docstring).

    ``parent``: the pid of the process that started it (passed, not read: it may be gone
    before this line runs); the standby leaves when it is no longer its parent.
    """
    address = standby_address(target)
    if not _private_dir(address):
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)  # a stale socket of a standby that is gone (or about to go)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(1)  # a front may connect now; it waits until the parse is done
    mine = os.stat(address).st_ino
    Path(address + ".pid").write_text(str(os.getpid()))
    serving = False

    def remove_files() -> None:
        """Remove the socket and pid file — only while they are still this standby's (a newer
        standby for the same folder may have replaced them)."""
        with contextlib.suppress(OSError, ValueError):
            if int(Path(address + ".pid").read_text()) == os.getpid():
                os.unlink(address + ".pid")
        with contextlib.suppress(OSError):
            if os.stat(address).st_ino == mine:
                os.unlink(address)

    def leave(_signum, _frame):
        # stopped while idle: leave, files removed. Once serving, a build (perhaps of another
        # run on this folder) is not killed by the end of the run that started the standby.
        if not serving:
            remove_files()
            os._exit(0)

    signal.signal(signal.SIGTERM, leave)
    try:
        _, dbt_runner = _import_dbt()
        manifest = _parse(dbt_runner, target)
        conn = _wait_for_front(server, parent)
    finally:
        remove_files()  # single use: the next front runs dbt itself
        server.close()
    if conn is None:
        os._exit(0)
    request, fds = _receive(conn)
    if manifest is None or request is None or not _same_setup(request):
        with contextlib.suppress(OSError):
            conn.sendall(b'{"accepted": false}\n')
        os._exit(0)
    serving = True  # from here on SIGTERM is ignored (see leave); SIGINT interrupts dbt
    conn.sendall(json.dumps({"accepted": True, "pid": os.getpid()}).encode() + b"\n")
    sys.stdout.flush()  # nothing of this process's own may enter the front's streams
    sys.stderr.flush()
    for fd, std in zip(fds, (0, 1, 2)):
        os.dup2(fd, std)
        os.close(fd)
    threading.Thread(target=_interrupt_when_front_is_gone, args=(conn,), daemon=True).start()
    # dbt's log lines must reach dagster-dbt as they happen (it sets PYTHONUNBUFFERED for the
    # processes it starts; this one was started before)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    code = 2
    try:
        result = dbt_runner(manifest=manifest).invoke(request["argv"])
        # dbt's CLI: 0 success, 1 a model or test failed, 2 dbt itself failed
        code = 0 if result.success else (2 if result.exception is not None else 1)
    except BaseException as exc:  # noqa: BLE001 — reported like dbt's CLI does, exit code 2
        print(f"esf-dbt standby: {exc!r}", file=sys.stderr)
    finally:
        try:
            _close_duckdb()
        except BaseException as exc:  # noqa: BLE001 — the exit below releases it in any case
            print(f"esf-dbt standby: closing DuckDB: {exc!r}", file=sys.stderr)
            code = code or 2
        sys.stdout.flush()
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps({"code": code}).encode() + b"\n")
    os._exit(code)  # everything is on disk and closed; skip the interpreter's teardown


def _interrupt_when_front_is_gone(conn: socket.socket) -> None:
    """The front died (killed, or its run worker gave up): stop the build as a plain dbt
    process would have stopped with it — SIGINT, dbt's own way of being interrupted."""
    with contextlib.suppress(OSError):
        while conn.recv(1, socket.MSG_PEEK):
            time.sleep(0.2)  # (the front sends nothing after its request)
    os.kill(os.getpid(), signal.SIGINT)


def _parse(dbt_runner, target: Path):
    """The parsed manifest (None if parsing failed: the front then runs dbt and reports it).

    Parsed in a private copy of the target folder (seeded with its partial parse): a build of
    another run may still be writing to the real one.
    """
    with tempfile.TemporaryDirectory(prefix="esf-dbt-standby-") as private:
        partial = target / "partial_parse.msgpack"
        if partial.exists():
            shutil.copy2(partial, Path(private) / partial.name)
        result = dbt_runner().invoke([
            "parse", "--quiet", "--no-write-json", "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", private, "--log-path", private])
    return result.result if result.success else None


def _wait_for_front(server: socket.socket, parent: int) -> socket.socket | None:
    deadline = time.monotonic() + STANDBY_WAIT_S
    server.settimeout(1.0)
    while time.monotonic() < deadline and os.getppid() == parent:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        return conn
    return None


def _receive(conn: socket.socket) -> tuple[dict | None, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < 8 or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        return None, []
    size = int.from_bytes(data[:8], "big")
    body = data[8:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            break
        body += chunk
    try:
        return json.loads(body), fds
    except ValueError:
        for fd in fds:
            os.close(fd)
        return None, []


def _same_setup(request: dict) -> bool:
    """The build must see the project, profile and data folder the standby parsed."""
    env = request.get("env", {})
    if any(env.get(key) != os.environ.get(key) for key in _SAME):
        return False
    for key in ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR"):
        if key in env and Path(env[key]).resolve() != DBT_PROJECT_DIR:
            return False
    # options that would change the parse (or which project/profile/target it is for)
    refused = ("--project-dir", "--profiles-dir", "--profile", "--target", "-t", "--vars")
    return not any(arg.split("=")[0] in refused for arg in request.get("argv", []))


def _close_duckdb() -> None:
    """Close dbt-duckdb's database now (checkpoint, file lock released), not at process exit."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


if __name__ == "__main__":
    main()
