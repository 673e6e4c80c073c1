"""Processes the delivery tests start (Celery workers, beat) in their own process group,
so a test can stop or SIGKILL one whole, pool children included."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


class Proc:
    """``argv`` started in a new session, its output appended to ``log_path``; ``start``
    waits until the log shows ``ready`` (``None``: does not wait)."""

    def __init__(self, argv, env, log_path: Path, ready: bytes | None):
        self.argv, self.env, self.log_path, self.ready = argv, env, log_path, ready
        self.process = None

    def start(self, timeout=40):
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            self.argv, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        if self.ready is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv[3]} exited:\n{self.log()}")
            if self.ready in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.argv[3]} not ready:\n{self.log()}")

    def kill9(self):
        """SIGKILL the whole group: main process, pool children and beat."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def log(self):
        return self.log_path.read_text(errors="replace")[-5000:]


class Worker(Proc):
    """`celery -A config worker -B` in its own process group, on the test database."""

    def __init__(self, env, log_path: Path, schedule: Path):
        argv = [str(CELERY), "-A", "config", "worker", "-B", "-s", str(schedule),
                "--concurrency=2", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                "-n", f"notify-test-{os.getpid()}@%h"]  # fmt: skip
        super().__init__(argv, env, log_path, b" ready.")
        self.schedule = schedule

    def start(self, timeout=30):
        super().start(timeout)
