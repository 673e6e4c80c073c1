"""The other apps' own benchmarks, each called in a fresh process (its own peak memory)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
PY = sys.executable
# Which run (comma-separated; empty: none, for a quick try of the load parts).
RUN_HELPERS = os.environ.get("BENCH_HELPERS", "slow3g,pdf,report,notify,alerts,delivery").split(",")
HELPER_TIMEOUT = 150  # the delivery bench sends 1,000 mails through 10 kills

# The other apps' benchmark functions: name → ([(module, function)], keyword arguments).
# Each is called in a fresh process; the first module that imports is used.
HELPERS = {
    "slow3g": (
        [("tests.browser.bench_slow3g", "slow3g_load")],
        None,  # filled in with the running server and a bench user
    ),
    "pdf": ([("bench.card_pdf", "bench_card_bundle")], {}),
    # The incident report of 3,000 log entries, rendered by a Celery worker (issue 13).
    "report": ([("bench.report_pdf", "report_render_in_worker")], {}),
    "notify": ([("bench.status_update", "status_update_end_to_end_ms")], {"recipients": 200}),
    # One alert to 100 employees by SMS + e-mail (issue 15 §3).
    "alerts": ([("bench.alerts", "alert_end_to_end")], {"employees": 100}),
    # Delivery under 10 random SIGKILLs (issue 18): duplicates per 1,000, recovery time.
    "delivery": ([("bench.delivery", "delivery_under_kills")], {"recipients": 1000, "timeout": 60}),
}


def run_helper(name: str, env: dict, kwargs: dict | None = None) -> tuple[object, str | None]:
    """Call another app's benchmark function in a fresh process (its own peak memory)."""
    candidates, default_kwargs = HELPERS[name]
    script = (
        "import dataclasses, importlib, json, sys, django\n"
        "django.setup()\n"
        "kwargs = json.loads(sys.argv[1])\n"
        "for spec in sys.argv[2:]:\n"
        "    module, function = spec.split(':')\n"
        "    try:\n"
        "        mod = importlib.import_module(module)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    result = getattr(mod, function)(**kwargs)\n"
        "    if dataclasses.is_dataclass(result):\n"
        "        result = dataclasses.asdict(result)\n"
        "    print('BENCH-RESULT ' + json.dumps(result, default=str))\n"
        "    break\n"
        "else:\n"
        "    print('BENCH-ABSENT')\n"
    )
    args = [json.dumps(kwargs if kwargs is not None else default_kwargs or {})]
    args += [f"{module}:{function}" for module, function in candidates]
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    try:
        done = subprocess.run(
            [PY, "-c", script, *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=HELPER_TIMEOUT,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        return None, f"{name}: no answer within {HELPER_TIMEOUT} s"
    (LOG_DIR / f"helper-{name}.log").write_text(done.stdout + done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT ")), None
        if line == "BENCH-ABSENT":
            return None, f"{name}: not built yet"
    return None, f"{name}: failed ({done.returncode}): {done.stderr.strip()[-300:]}"


def pick(result, *keys):
    if not isinstance(result, dict):
        return round(result, 1) if isinstance(result, int | float) else None
    for key in keys:
        if result.get(key) is not None:
            return result[key]
    return None
