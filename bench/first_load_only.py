"""Only step 4 of `make bench` (the dashboard's first load), for checking a change to the
page's bytes without the load test: the same database preparation, incident, gunicorn
and measurement as bench/run.py, by calling its functions. Prints the figures as JSON.

    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... python -m bench.first_load_only
"""

import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from bench import run, stack


def main() -> int:
    from bench.procs import Processes, free_port

    started = time.monotonic()
    run.LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = stack.bench_env(port)
    os.environ.update(env)
    notes: list[str] = []
    ctx = SimpleNamespace(
        env=env, port=port, procs=Processes(run.LOG_DIR), notes=notes,
        step=lambda what: print(f"[{time.monotonic() - started:5.1f} s] {what}", flush=True),
        results=run.empty_results(notes), dashboard=None, loaded={},
    )  # fmt: skip
    try:
        run.prepare_database(ctx)
        run.create_scene(ctx)
        run.start_servers(ctx)
        run.first_load(ctx)
    finally:
        ctx.procs.stop_all()
    print(json.dumps(ctx.loaded, indent=2))
    print("loadavg", Path("/proc/loadavg").read_text().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
