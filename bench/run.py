"""`make bench`: measure the app under gunicorn on PostgreSQL + Redis with a Celery worker.

Steps, all against 127.0.0.1 and each bounded in time:
 1. a fresh database (``ak_bench`` unless BENCH_DATABASE_URL says otherwise): migrate,
    load the seed, collect static files as production does (hashed + compressed);
 2. an incident on the seed card with all seven scenarios, 500 log entries and 200
    figure reports, written through the incidents services;
 3. gunicorn as the Dockerfile runs it (config/gunicorn.py: 3 gthread workers × 4
    threads) and a Celery worker (bench/stack.py);
 4. first-load bytes of the dashboard (HTML + CSS + JS + fonts, compressed as a
    browser asks: gzip, deflate, br, zstd; the gzip-only figure beside it);
 5. an unchanged poll through Django's test client: status, bytes, queries (bench/measure.py);
 6. the load test (bench/load.py in its own process): 300 viewers polling every 5 s
    and 10 writers, 60 s; then the capacity sweep and the overload run (bench/live.py);
 7. the other apps' own benchmarks, each in a fresh process (bench/helpers.py);
and writes bench/results.json and the figures table in bench/README.md (bench/report.py).

Everything started is stopped at the end, also on an error or Ctrl-C.
"""

import contextlib
import json
import os
import signal
import sys
import time
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

from bench import helpers, measure, stack
from bench import live as live_bench

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
LOG_DIR = ROOT / "var" / "bench"
RESULTS = BENCH_DIR / "results.json"
README = BENCH_DIR / "README.md"

VIEWERS = int(os.environ.get("BENCH_VIEWERS", 300))
WRITERS = int(os.environ.get("BENCH_WRITERS", 10))
SECONDS = int(os.environ.get("BENCH_SECONDS", 60))
WARMUP_SECONDS = 20
POLL_SECONDS = 5
WRITE_SECONDS = 5
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", 4))
# Kept-alive connections the viewers' polls share (as a reverse proxy's upstream pool);
# 0: a new connection per poll.
POLL_CONNECTIONS = int(os.environ.get("BENCH_POLL_CONNECTIONS", 32))

# The dashboard's forms the writers post, by their action URL.
LOG_FORM = r"/log/skriv/$"
STEP_FORMS = [r"/trin/\d+/done/$"]


def empty_results(notes: list) -> dict:
    return {
        "measured_at": None,
        "machine": None,
        "gunicorn_workers": GUNICORN_WORKERS,
        "gunicorn_threads": GUNICORN_THREADS,
        "poll_connections": POLL_CONNECTIONS,
        "noise": None,
        "capacity": None,
        "overload": None,
        "dashboard_first_load_bytes": None,
        "poll_unchanged_status": None,
        "poll_unchanged_bytes": None,
        "poll_unchanged_queries": None,
        "load": None,
        "slow3g_first_load_ms": None,
        "pdf_bundle_ms": None,
        "pdf_bundle_peak_rss_mb": None,
        "notify_200_ms": None,
        "notes": notes,
    }


def prepare_database(ctx) -> None:
    """A fresh database and Redis db, migrated and seeded; Django set up in this process."""
    ctx.step("database and Redis")
    stack.recreate_database(ctx.env["DATABASE_URL"])
    stack.flush_redis(ctx.env["REDIS_URL"])

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("compile_translations", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_seed", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    ctx.results["machine"] = stack.machine_info()
    ctx.results["machine"]["load_average_at_start"] = round(os.getloadavg()[0], 1)
    ctx.results["measured_at"] = timezone.now().strftime("%Y-%m-%d %H:%M UTC")


def create_scene(ctx) -> None:
    """The incident, the people and their sessions; the unchanged poll in-process."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    from bench import seed
    from cards.models import ActionCard

    ctx.step("incident: 7 scenarios, 500 log entries, 200 figure reports")
    coordinator, ctx.writer_users, ctx.viewer_users = seed.create_people(
        viewers=VIEWERS, writers=WRITERS
    )
    incident = seed.create_incident(
        card=ActionCard.objects.get(slug="telefoni"),
        coordinator=coordinator,
        writers=ctx.writer_users,
    )
    try:
        ctx.dashboard = reverse("incidents:dashboard", args=[incident.pk])
    except NoReverseMatch:
        ctx.dashboard = None
        ctx.notes.append("incidents:dashboard does not exist yet: no dashboard figures")
    viewers = ctx.viewer_users
    ctx.viewer_sessions = [seed.session_for(viewers[i % len(viewers)]) for i in range(VIEWERS)]
    ctx.writer_sessions = [seed.session_for(u) for u in ctx.writer_users]
    ctx.cookie = settings.SESSION_COOKIE_NAME
    if ctx.dashboard:
        ctx.step("unchanged poll through the test client")
        poll = measure.unchanged_poll(ctx.dashboard, viewers[0])
        ctx.results.update(
            poll_unchanged_status=poll["status"],
            poll_unchanged_bytes=poll["bytes"],
            poll_unchanged_queries=poll["queries"],
            poll_unchanged_detail=poll,
        )


def start_servers(ctx) -> None:
    from django.db import connections

    from bench.procs import CpuMeter, wait_http

    connections.close_all()
    stack.reset_database_settings(ctx.env["DATABASE_URL"])
    ctx.step(
        f"gunicorn ({GUNICORN_WORKERS} gthread workers x {GUNICORN_THREADS} threads) "
        f"on 127.0.0.1:{ctx.port} and a Celery worker"
    )
    web = stack.start_servers(
        ctx.procs, ctx.env, ctx.port, workers=GUNICORN_WORKERS, threads=GUNICORN_THREADS
    )
    ctx.base = f"http://127.0.0.1:{ctx.port}"
    wait_http(f"{ctx.base}/healthz", timeout=30, proc=web)
    database = urllib.parse.urlsplit(ctx.env["DATABASE_URL"]).path.lstrip("/")
    ctx.meter = CpuMeter(process_group=web.pid, cmdline_contains=f" {database} ")


def first_load(ctx) -> None:
    ctx.step("first load of the dashboard")
    loaded = measure.first_load(ctx.base, ctx.dashboard, ctx.cookie, ctx.viewer_sessions[0])
    ctx.loaded = loaded
    ctx.results["dashboard_first_load_bytes"] = loaded["total"]
    ctx.results["dashboard_first_load_detail"] = loaded
    if loaded["errors"]:
        ctx.notes.append(f"first load: not 200: {loaded['errors']}")
    if loaded["poll_url"]:
        # Right after the page load, with that page's token: nothing has changed.
        ctx.results["poll_unchanged_wire_bytes"] = measure.wire_bytes_of_poll(
            ctx.port, loaded["poll_url"], ctx.cookie, ctx.viewer_sessions[0]
        )


def load_test(ctx) -> None:
    ctx.step(f"load: {VIEWERS} viewers + {WRITERS} writers for {SECONDS} s")
    ctx.plan = {
        "host": "127.0.0.1",
        "port": ctx.port,
        "session_cookie": ctx.cookie,
        "dashboard_path": ctx.dashboard,
        "viewer_sessions": ctx.viewer_sessions,
        "writer_sessions": ctx.writer_sessions,
        "writers": WRITERS,
        "seconds": SECONDS,
        "warmup_seconds": WARMUP_SECONDS,
        "poll_seconds": POLL_SECONDS,
        "write_seconds": WRITE_SECONDS,
        "poll_connections": POLL_CONNECTIONS,
        "log_form": LOG_FORM,
        "step_forms": STEP_FORMS,
    }
    result = live_bench.run_load(ctx.procs, ctx.env, ROOT, LOG_DIR, ctx.plan, "load", ctx.meter)
    ctx.results["load"] = result
    if result is None:
        ctx.notes.append("load generator printed no result; see var/bench/load.log")


def live_part(ctx) -> None:
    """Issue 12: how far it scales, and how it degrades short of CPU (bench/live.py)."""
    from bench import seed

    initial = ctx.loaded.get("poll_url") and {"url": ctx.loaded["poll_url"], "id": "incident-live"}
    if not initial:
        return
    plan = {**ctx.plan, "initial_poll": initial}
    sessions = ctx.viewer_sessions

    def sessions_for(n):
        users = ctx.viewer_users
        sessions.extend(seed.session_for(users[i % len(users)]) for i in range(len(sessions), n))
        return sessions[:n]

    args = (ctx.procs, ctx.env, ROOT, LOG_DIR)
    if live_bench.SWEEP:
        ctx.results["capacity"] = live_bench.capacity_sweep(
            *args, plan, sessions_for, ctx.meter, ctx.step
        )
    if live_bench.OVERLOAD_SECONDS:
        ctx.results["overload"] = live_bench.overload_run(
            *args, {**plan, "viewer_sessions": sessions[:VIEWERS]}, ctx.meter, ctx.step
        )


def other_benchmarks(ctx) -> None:
    from bench import seed

    if ctx.dashboard and "slow3g" in helpers.RUN_HELPERS:
        ctx.step("helper benchmark: slow3g (Chromium, emulated slow 3G)")
        kwargs = {
            "base_url": ctx.base,
            "path": ctx.dashboard,
            "username": ctx.viewer_users[0].username,
            "password": seed.PASSWORD,
        }
        helper, problem = helpers.run_helper("slow3g", ctx.env, kwargs)
        ctx.results["slow3g_detail"] = helper
        ctx.results["slow3g_first_load_ms"] = helpers.pick(helper, "ms", "first_load_ms")
        if problem:
            ctx.notes.append(problem)
    # The notification benchmark runs a worker of its own on the same broker: ours
    # must not take its tasks. The web server is not needed any more either.
    ctx.procs.stop_all()
    for name, keys in (
        ("pdf", {"pdf_bundle_ms": ("render_ms",), "pdf_bundle_peak_rss_mb": ("peak_rss_mb",)}),
        ("report", {"report_3000_ms": ("ms",), "report_3000_peak_rss_mb": ("peak_rss_mb",)}),
        ("notify", {"notify_200_ms": ()}),
        ("alerts", {"alert_100_ms": ("ms",)}),
        (
            "delivery",
            {
                "delivery_duplicates_per_1000": ("duplicates_per_1000",),
                "delivery_recovery_max_s": ("recovery_max_s",),
            },
        ),
    ):
        if name not in helpers.RUN_HELPERS:
            continue
        ctx.step(f"helper benchmark: {name}")
        helper, problem = helpers.run_helper(name, ctx.env)
        ctx.results[f"{name}_detail"] = helper
        if problem:
            ctx.notes.append(problem)
        for key, candidates in keys.items():
            ctx.results[key] = helpers.pick(helper, *candidates)


def run_all(ctx) -> None:
    prepare_database(ctx)
    create_scene(ctx)
    start_servers(ctx)
    if ctx.dashboard:
        first_load(ctx)
        load_test(ctx)
        live_part(ctx)
    other_benchmarks(ctx)


def write_results(results: dict, return_code: int) -> None:
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    if results["machine"] and return_code == 0:  # an aborted run keeps the last figures
        from bench.report import write_readme

        write_readme(results)
    summary = {k: v for k, v in results.items() if not k.endswith("_detail")}
    print(json.dumps(summary, indent=2, ensure_ascii=False, default=str))


def main() -> int:
    from bench.procs import Processes, free_port

    started = time.monotonic()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = stack.bench_env(port)
    os.environ.update(env)
    notes: list[str] = []

    def step(what):
        print(f"[{time.monotonic() - started:5.1f} s] {what}", flush=True)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    ctx = SimpleNamespace(
        env=env, port=port, procs=Processes(LOG_DIR), notes=notes, step=step,
        results=empty_results(notes), dashboard=None, loaded={},
    )  # fmt: skip
    # Before the bench starts anything of its own: is the machine already busy?
    ctx.results["noise"] = live_bench.noise_check()
    ctx.results["noisy"] = ctx.results["noise"]["noisy"]
    if ctx.results["noisy"]:
        notes.append(f"noisy: {ctx.results['noise']['why']}; latencies are not the app's")
    return_code = 0
    try:
        run_all(ctx)
    except KeyboardInterrupt:
        notes.append("interrupted")
        print("interrupted: stopping everything", file=sys.stderr)
        return_code = 130
    except Exception as exc:
        import traceback

        traceback.print_exc()
        notes.append(f"failed: {exc!r}")
        return_code = 1
    finally:
        ctx.procs.stop_all()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
    ctx.results["duration_s"] = round(time.monotonic() - started, 1)
    write_results(ctx.results, return_code)
    return return_code


if __name__ == "__main__":
    sys.exit(main())
