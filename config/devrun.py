"""`make run`: the web server, a Celery worker and Celery beat, stopped together.

A shell `&`-job ignores SIGINT, so Ctrl-C would leave the background processes running;
this small supervisor forwards the signal to all of them and stops the rest when one dies.
"""

import signal
import subprocess
import sys
import time

PYTHON = sys.executable
COMMANDS = {
    "web": [PYTHON, "manage.py", "runserver", "127.0.0.1:8000"],
    "worker": [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "-c", "2"],
    "beat": [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
}


def main():
    children = {name: subprocess.Popen(cmd) for name, cmd in COMMANDS.items()}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children.values()):
        time.sleep(0.5)
    for name, child in children.items():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        else:
            print(f"{name} stoppede (kode {child.returncode}); stopper resten.", file=sys.stderr)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
