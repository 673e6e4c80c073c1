"""The live dashboard's part of `make bench` (issue 12): capacity sweep, overload, noise.

Called by bench/run.py with the server it started. Each load is a fresh ``bench.load``
process (its own CPU, its own event loop), bounded in time:

- **capacity sweep**: 300, 600, 1,000, 2,000, 3,000 viewers (``BENCH_SWEEP``) polling
  every 5 s plus the writers, ``BENCH_SWEEP_SECONDS`` each (30 s): requests/s served vs
  offered, p50/p95/p99, errors, and the largest count that held p95 < 100 ms. The viewers
  start from the token of one page load, so a step costs no thousands of page renders;
- **overload**: the 300-viewer load with a CPU hog pinned to one core for the run;
- **noise**: the machine's load average before anything starts; above
  ``NOISY_LOAD_PER_CORE`` per core the results say ``noisy`` (figures from a busy machine
  are not the app's).
"""

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PY = sys.executable
SWEEP = [int(n) for n in os.environ.get("BENCH_SWEEP", "300,600,1000,2000,3000").split(",") if n]
SWEEP_SECONDS = int(os.environ.get("BENCH_SWEEP_SECONDS", 30))
SWEEP_WARMUP_SECONDS = 6
OVERLOAD_SECONDS = int(os.environ.get("BENCH_OVERLOAD_SECONDS", 30))
P95_TARGET_MS = 100
NOISY_LOAD_PER_CORE = 0.5

HOG = """
import os
os.sched_setaffinity(0, {0})
while True:
    pass
"""


def noise_check() -> dict:
    """The load average before the bench starts anything, and whether that is too busy."""
    cores = os.cpu_count() or 1
    one, five, _fifteen = os.getloadavg()
    noisy = one > NOISY_LOAD_PER_CORE * cores
    return {
        "load_average_1m": round(one, 2),
        "load_average_5m": round(five, 2),
        "cores": cores,
        "noisy": noisy,
        "why": (
            f"load average {one:.1f} on {cores} cores before the start "
            f"(> {NOISY_LOAD_PER_CORE} per core): other work shares the CPU"
            if noisy
            else ""
        ),
    }


def run_load(procs, env, root: Path, log_dir: Path, plan: dict, name: str, meter) -> dict | None:
    """One load (bench/load.py in a fresh process); the server's CPU measured by ``meter``
    (bench.procs.CpuMeter) from the end of the warm-up until the generator is done."""
    plan_file = log_dir / f"{name}.json"
    plan_file.write_text(json.dumps(plan))
    loader = procs.start(name, [PY, "-m", "bench.load", str(plan_file)], env, root)
    time.sleep(plan["warmup_seconds"])
    meter.start()
    with contextlib.suppress(subprocess.TimeoutExpired):
        loader.wait(timeout=plan["seconds"] + 40)
    used = meter.stop()
    procs.stop(loader)
    out = (log_dir / f"{name}.log").read_text().strip().splitlines()
    if not out or not out[-1].startswith("{"):
        return None
    result = {**json.loads(out[-1]), **used}
    server_cpu = used["gunicorn_cpu_s"] + used["postgres_cpu_s"]
    result["server_cpu_ms_per_request"] = round(1000 * server_cpu / max(1, result["requests"]), 2)
    return result


def _row(result: dict) -> dict:
    keys = (
        "viewers",
        "requests",
        "rps",
        "offered_rps",
        "nominal_rps",
        "errors",
        "poll_p50_ms",
        "poll_p95_ms",
        "poll_p99_ms",
        "poll_204_share",
        "polls_told_to_back_off",
        "changed_poll_gzip_bytes_p50",
        "changed_poll_gzip_bytes_p95",
        "server_cpu_ms_per_request",
        "gunicorn_cpu_s",
        "postgres_cpu_s",
        "generator_cpu_ms_per_request",
        "machine_load_average",
    )
    return {k: result.get(k) for k in keys}


def capacity_sweep(procs, env, root, log_dir, base_plan, sessions_for, meter, step) -> dict:
    """Step the viewers up; stop early once a step has lost p95 < 1 s (it only gets worse)."""
    rows = []
    for viewers in SWEEP:
        step(f"capacity sweep: {viewers} viewers + {len(base_plan['writer_sessions'])} writers")
        plan = {
            **base_plan,
            "viewer_sessions": sessions_for(viewers),
            "seconds": SWEEP_SECONDS,
            "warmup_seconds": SWEEP_WARMUP_SECONDS,
        }
        result = run_load(procs, env, root, log_dir, plan, f"sweep-{viewers}", meter)
        if result is None:
            rows.append({"viewers": viewers, "error": "no result from the load generator"})
            break
        rows.append(_row(result))
        if (result["poll_p95_ms"] or 0) > 1000:
            break
    holding = [
        r["viewers"]
        for r in rows
        if r.get("poll_p95_ms") is not None
        and r["poll_p95_ms"] < P95_TARGET_MS
        and r.get("errors") == 0
    ]
    return {
        "steps": rows,
        "largest_viewers_p95_under_100ms": max(holding) if holding else None,
        "seconds_per_step": SWEEP_SECONDS,
    }


def overload_run(procs, env, root, log_dir, base_plan, meter, step) -> dict:
    """The 300-viewer load while a busy loop holds one core."""
    step(f"overload: {len(base_plan['viewer_sessions'])} viewers with a CPU hog on core 0")
    hog = procs.start("cpu-hog", [PY, "-c", HOG], env, root)
    try:
        plan = {**base_plan, "seconds": OVERLOAD_SECONDS, "warmup_seconds": SWEEP_WARMUP_SECONDS}
        result = run_load(procs, env, root, log_dir, plan, "overload", meter)
    finally:
        procs.stop(hog)
    if result is None:
        return {"error": "no result from the load generator"}
    return {**_row(result), "write_p95_ms": result.get("write_p95_ms"), "hog": "1 core"}


def _fmt(value, unit=""):
    return "–" if value is None else f"{value}{unit}"


def readme_noise(results: dict) -> str:
    noise = results.get("noise") or {}
    if noise.get("noisy"):
        return f" **NOISY RUN: {noise['why']}** — latencies here are not the app's."
    if noise:
        return f" Load average before the start: {noise.get('load_average_1m')}."
    return ""


def readme_rows(results: dict) -> str:
    """Rows for the README table: changed-poll bytes, the capacity sweep and the overload."""
    load = results.get("load") or {}
    rows = [
        "| Changed-poll body, gzip: median / p95 · share of 204s · polls told to back off | "
        f"{_fmt(load.get('changed_poll_gzip_bytes_p50'), ' B')} / "
        f"{_fmt(load.get('changed_poll_gzip_bytes_p95'), ' B')} · "
        f"{_fmt(load.get('poll_204_share'))} · {_fmt(load.get('polls_told_to_back_off'))} | "
        "median ≤ 3,072 B |",
    ]
    capacity = results.get("capacity") or {}
    for row in capacity.get("steps", []):
        rows.append(
            f"| Sweep: {row.get('viewers')} viewers + writers, {capacity.get('seconds_per_step')} s"
            " — served / offered / nominal req/s (polls told to back off), p50 / p95 / p99,"
            " errors, server CPU per request | "
            f"{_fmt(row.get('rps'))} / {_fmt(row.get('offered_rps'))} / "
            f"{_fmt(row.get('nominal_rps'))} req/s ({_fmt(row.get('polls_told_to_back_off'))}), "
            f"{_fmt(row.get('poll_p50_ms'))} / {_fmt(row.get('poll_p95_ms'))} / "
            f"{_fmt(row.get('poll_p99_ms'))} ms, {_fmt(row.get('errors'))} errors, "
            f"{_fmt(row.get('server_cpu_ms_per_request'), ' ms')} | p95 < 100 ms, CPU ≤ 5 ms |"
        )
    if capacity:
        rows.append(
            "| Largest viewer count holding p95 < 100 ms, 0 errors | "
            f"{_fmt(capacity.get('largest_viewers_p95_under_100ms'))} | ≥ 1,000 (3,000 ambition) |"
        )
    overload = results.get("overload") or {}
    if overload:
        rows.append(
            "| Overload: 300 viewers + writers, CPU hog on one core — p50 / p95 / p99, errors, "
            "served / offered req/s | "
            f"{_fmt(overload.get('poll_p50_ms'))} / {_fmt(overload.get('poll_p95_ms'))} / "
            f"{_fmt(overload.get('poll_p99_ms'))} ms, {_fmt(overload.get('errors'))} errors, "
            f"{_fmt(overload.get('rps'))} / {_fmt(overload.get('offered_rps'))} req/s | "
            "p95 < 1 s, 0 errors |"
        )
    return "\n".join(rows)
