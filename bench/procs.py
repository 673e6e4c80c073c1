"""Child processes of `make bench`: each in its own session, all stopped at the end.

Every process is started with ``start_new_session=True`` so that stopping it by its
process-group id also stops what it forked (gunicorn's and Celery's workers), and
nothing else on the machine.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def celery_worker_argv(*, name: str, concurrency: int) -> list[str]:
    """A Celery worker of the app under a node name of its own (``name``-pid)."""
    return [CELERY, "-A", "config", "worker", f"--concurrency={concurrency}",
            "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "-n", f"{name}-{os.getpid()}@%h"]  # fmt: skip


def celery_worker_start(*, name: str, env_extra: dict, log_path: Path, concurrency: int):
    """A Celery worker on this process's database and broker, with ``env_extra``, in a
    session of its own; returns once it is ready."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env_extra}
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the worker process
    process = subprocess.Popen(
        celery_worker_argv(name=name, concurrency=concurrency),
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if b" ready." in log_path.read_bytes():
            return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict, cwd: Path) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc._bench_log = log
        self.children.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        # Orphans of a group leader that already exited (a forked worker).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc._bench_log.close()

    def stop_all(self) -> None:
        for _name, proc in reversed(self.children):
            self.stop(proc)
        self.children.clear()


def wait_http(url: str, *, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s: {last}")


def _stat_fields(pid: str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; everything after its ")" is fixed.
    return raw[raw.rindex(")") + 2 :].split()


def _matching_stats(process_group, cmdline_contains):
    """``(pid, stat fields)`` of the processes in ``process_group`` and/or whose command
    line contains ``cmdline_contains``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields is None:
            continue
        if process_group is not None and int(fields[2]) != process_group:
            continue
        if cmdline_contains is not None:
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if cmdline_contains not in cmdline:
                continue
        yield int(entry.name), fields


def cpu_seconds(*, process_group: int | None = None, cmdline_contains: str | None = None) -> float:
    """CPU time (user + system) used so far by a process group's members, or by the
    processes whose command line contains a string (PostgreSQL backends of one database).

    Wall-clock latencies depend on what else the shared machine runs; CPU time per
    request does not, so the two together tell load from cost.
    """
    total = sum(
        int(fields[11]) + int(fields[12])  # utime, stime
        for _pid, fields in _matching_stats(process_group, cmdline_contains)
    )
    return total / os.sysconf("SC_CLK_TCK")


def _matching_ticks(process_group, cmdline_contains) -> dict[int, int]:
    # utime + stime, plus the reaped children's (a recycled gunicorn worker's CPU
    # moves to the arbiter's cutime/cstime when it exits).
    return {
        pid: sum(int(f) for f in fields[11:15])
        for pid, fields in _matching_stats(process_group, cmdline_contains)
    }


class CpuMeter:
    """CPU seconds used during a window by a process group and by the processes whose
    command line contains a string (PostgreSQL's backends of one database), sampled
    every ``every`` seconds from /proc.

    Backends come and go (connections are recycled after CONN_MAX_AGE): a sum of
    "now minus then" loses the CPU of every backend that exited and even goes negative.
    The sampler keeps each process's last value, so an exited process still counts up
    to its last sample (at most ``every`` seconds lost), and one that started during the
    window counts from zero.
    """

    def __init__(self, *, process_group: int, cmdline_contains: str, every: float = 0.5):
        import threading

        self.matchers = {"gunicorn": (process_group, None), "postgres": (None, cmdline_contains)}
        self.every = every
        self._stop = threading.Event()
        self._thread = None
        self.first: dict = {}
        self.last: dict = {}

    def _sample(self, initial=False):
        for name, (group, text) in self.matchers.items():
            for pid, ticks in _matching_ticks(group, text).items():
                if initial:
                    self.first[(name, pid)] = ticks
                self.last[(name, pid)] = ticks

    def _run(self):
        while not self._stop.wait(self.every):
            self._sample()

    def start(self) -> None:
        import threading

        self.first, self.last = {}, {}
        self._sample(initial=True)
        self.started = (time.monotonic(), os.getloadavg()[0])
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        self._sample()
        ticks = os.sysconf("SC_CLK_TCK")
        used = dict.fromkeys(self.matchers, 0)
        for (name, pid), last in self.last.items():
            used[name] += last - self.first.get((name, pid), 0)
        return {
            "gunicorn_cpu_s": round(used["gunicorn"] / ticks, 2),
            "postgres_cpu_s": round(used["postgres"] / ticks, 2),
            "cpu_window_s": round(time.monotonic() - self.started[0], 1),
            "machine_load_average": [round(self.started[1], 1), round(os.getloadavg()[0], 1)],
        }
