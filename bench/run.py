"""`make bench`: measure the app under gunicorn on PostgreSQL + Redis with a Celery worker.

Steps, all against 127.0.0.1 and each bounded in time:
 1. a fresh database (``ak_bench`` unless BENCH_DATABASE_URL says otherwise): migrate,
    load the seed, collect static files as production does (hashed + compressed);
 2. an incident on the seed card with all seven scenarios, 500 log entries and 200
    figure reports, written through the incidents services;
 3. gunicorn (3 sync workers, as in the Dockerfile) and a Celery worker;
 4. first-load bytes of the dashboard (HTML + CSS + JS + fonts, gzip-compressed);
 5. an unchanged poll through Django's test client: status, bytes, queries;
 6. the load test (bench/load.py in its own process): 300 viewers polling every 5 s
    and 10 writers, 60 s;
 7. the other apps' own benchmarks, each in a fresh process (slow 3G, PDF, notifications);
and writes bench/results.json and the figures table in bench/README.md.

Everything started is stopped at the end, also on an error or Ctrl-C.
"""

import contextlib
import gzip
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
LOG_DIR = ROOT / "var" / "bench"
RESULTS = BENCH_DIR / "results.json"
README = BENCH_DIR / "README.md"
PY = sys.executable

VIEWERS = int(os.environ.get("BENCH_VIEWERS", 300))
WRITERS = int(os.environ.get("BENCH_WRITERS", 10))
SECONDS = int(os.environ.get("BENCH_SECONDS", 60))
WARMUP_SECONDS = 20
POLL_SECONDS = 5
WRITE_SECONDS = 5
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", 3))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", 4))
# Which of the other apps' benchmarks run (comma-separated; empty: none, for a quick try).
RUN_HELPERS = os.environ.get("BENCH_HELPERS", "slow3g,pdf,notify,delivery").split(",")
HELPER_TIMEOUT = 150  # the delivery bench sends 1,000 mails through 10 kills

# The dashboard's forms the writers post, by their action URL.
LOG_FORM = r"/log/skriv/$"
STEP_FORMS = [r"/trin/\d+/done/$"]

# The other apps' benchmark functions: name → ([(module, function)], keyword arguments).
# Each is called in a fresh process; the first module that imports is used.
HELPERS = {
    "slow3g": (
        [("tests.browser.bench_slow3g", "slow3g_load"), ("config.bench_slow3g", "slow3g_load")],
        None,  # filled in with the running server and a bench user
    ),
    "pdf": ([("cards.pdf.bench", "bench_card_bundle")], {}),
    "notify": ([("notifications.bench", "status_update_end_to_end_ms")], {"recipients": 200}),
    # Delivery under 10 random SIGKILLs (issue 18): duplicates per 1,000, recovery time.
    "delivery": ([("bench.delivery", "delivery_under_kills")], {"recipients": 1000, "timeout": 60}),
}


def bench_env(port: int) -> dict:
    """The production environment of tests/prodserver.py (shared with the browser and
    fault tests), on the bench's own database and Redis db."""
    from tests.prodserver import production_env

    return production_env(
        port=port,
        database_url=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ak_bench"
        ),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        secret_key="bench-only-secret-key-not-for-production-0123456789abcdefghij",
        # The bench's own test client (unchanged poll, CPU per request) asks as "testserver".
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # 300 viewers get their sessions directly; the writers do not log in through axes.
        AXES_ENABLED="0",
    )


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        # Setup only (migrate, seed, 700 rows in single transactions); reset before the
        # measurements so that writes under load commit as in production.
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


def reset_database_settings(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'ALTER DATABASE "{parts.path.lstrip("/")}" RESET synchronous_commit')


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def machine_info() -> dict:
    from django.db import connection

    meminfo = Path("/proc/meminfo").read_text().split("\n")
    mem_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().split("\n")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import redis
    from django.conf import settings

    redis_version = redis.Redis.from_url(settings.REDIS_URL).info("server")["redis_version"]
    return {
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": round(mem_kib / 1024 / 1024, 1),
        "cpu_model": model,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgres": postgres,
        "redis": redis_version,
    }


def compressed_size(body: bytes, encoding: str) -> int:
    """Bytes on the wire when the server compressed; otherwise what gzip -6 gives (as a
    reverse proxy would), never more than the body itself (woff2 is compressed already)."""
    if encoding in ("gzip", "br"):
        return len(body)
    return min(len(body), len(gzip.compress(body, 6)))


def first_load(base: str, path: str, session_cookie: str, session_key: str) -> dict:
    import requests

    from bench.htmlscan import css_references, poll_url, scan

    http = requests.Session()
    http.cookies.set(session_cookie, session_key, domain="127.0.0.1")
    seen: dict[str, dict] = {}

    def fetch(url, kind):
        if url in seen:
            return None
        response = http.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
        wire = response.raw.read(decode_content=False)
        encoding = response.headers.get("Content-Encoding", "")
        body = gzip.decompress(wire) if encoding == "gzip" else wire
        seen[url] = {
            "kind": kind,
            "status": response.status_code,
            "bytes": len(body),
            "compressed": compressed_size(wire, encoding),
            "served_compressed": bool(encoding),
        }
        return body

    page_url = urllib.parse.urljoin(base, path)
    page = fetch(page_url, "html").decode()
    poll = poll_url(page)
    for kind, ref in scan(page).assets:
        url = urllib.parse.urljoin(page_url, ref)
        body = fetch(url, kind)
        if kind == "css" and body is not None:
            for nested in css_references(body.decode("utf-8", "replace"), url):
                if nested.startswith("data:"):
                    continue
                fetch(nested, "font" if ".woff" in nested or ".ttf" in nested else "other")
    budget = {k: v for k, v in seen.items() if v["kind"] in ("html", "css", "js", "font")}
    return {
        "total": sum(v["compressed"] for v in budget.values()),
        "html": seen[page_url]["compressed"],
        "files": {urllib.parse.urlsplit(k).path: v for k, v in seen.items()},
        "other_bytes": sum(v["compressed"] for k, v in seen.items() if k not in budget),
        "errors": [k for k, v in seen.items() if v["status"] != 200],
        "poll_url": poll["url"] if poll else None,
    }


def unchanged_poll(dashboard_path: str, user) -> dict:
    """Status, body bytes and queries of a poll that finds nothing new."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.htmlscan import poll_url

    client = Client()
    client.force_login(user)
    page = client.get(dashboard_path)
    poll = poll_url(page.text)
    if poll is None:
        return {"status": None, "bytes": None, "queries": None, "note": "no poll in the page"}
    headers = {"HX-Request": "true", "HX-Current-URL": dashboard_path}
    if poll["id"]:
        headers["HX-Trigger"] = poll["id"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(poll["url"], headers=headers)
    changed_url = poll["url"].split("?")[0] + "?rev=0.0"  # a token that never matches
    with CaptureQueriesContext(connection) as changed_queries:
        changed = client.get(changed_url, headers=headers)
    # Counted now: the log of queries does not survive the requests timed below.
    counted = len(queries.captured_queries), len(changed_queries.captured_queries)
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": counted[0],
        "sql": [q["sql"] for q in queries.captured_queries],
        "url": poll["url"],
        # What one request costs this process, single-threaded: unlike latencies under
        # load, this does not depend on what else the machine is running.
        "unchanged_cpu_ms": cpu_ms(lambda: client.get(poll["url"], headers=headers)),
        "changed_status": changed.status_code,
        "changed_bytes": len(changed.content),
        "changed_queries": counted[1],
        "changed_cpu_ms": cpu_ms(lambda: client.get(changed_url, headers=headers)),
        "page_cpu_ms": cpu_ms(lambda: client.get(dashboard_path)),
    }


def cpu_ms(call, runs: int = 9) -> float:
    """Median CPU time of ``call`` in this process (PostgreSQL's share not included)."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return round(sorted(times)[runs // 2], 1)


def wire_bytes_of_poll(port: int, poll: str, session_cookie: str, session_key: str) -> int:
    """The whole unchanged-poll response as gunicorn sends it: status line, headers, body."""
    import asyncio

    from bench.load import http

    response = asyncio.run(
        http(
            "127.0.0.1",
            port,
            "GET",
            poll,
            headers={"Cookie": f"{session_cookie}={session_key}", "HX-Request": "true"},
        )
    )
    return response.nbytes if response.status in (204, 304) else -response.status


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


def main() -> int:
    from bench.procs import Processes, cpu_seconds, free_port, wait_http
    from tests.prodserver import gunicorn_command

    started = time.monotonic()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_env(port)
    os.environ.update(env)
    procs = Processes(LOG_DIR)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    notes: list[str] = []
    results: dict = {
        "measured_at": None,
        "machine": None,
        "gunicorn_workers": GUNICORN_WORKERS,
        "gunicorn_threads": GUNICORN_THREADS,
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

    def step(what):
        print(f"[{time.monotonic() - started:5.1f} s] {what}", flush=True)

    from bench import live as live_bench

    # Before the bench starts anything of its own: is the machine already busy?
    results["noise"] = live_bench.noise_check()
    results["noisy"] = results["noise"]["noisy"]
    if results["noisy"]:
        notes.append(f"noisy: {results['noise']['why']}; latencies are not the app's")
    try:
        step("database and Redis")
        recreate_database(env["DATABASE_URL"])
        flush_redis(env["REDIS_URL"])

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections
        from django.urls import NoReverseMatch, reverse
        from django.utils import timezone

        call_command("compile_translations", verbosity=0)
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_seed", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        results["machine"] = machine_info()
        results["machine"]["load_average_at_start"] = round(os.getloadavg()[0], 1)
        results["measured_at"] = timezone.now().strftime("%Y-%m-%d %H:%M UTC")

        step("incident: 7 scenarios, 500 log entries, 200 figure reports")
        from bench import seed
        from cards.models import ActionCard

        coordinator, writer_users, viewer_users = seed.create_people(
            viewers=VIEWERS, writers=WRITERS
        )
        incident = seed.create_incident(
            card=ActionCard.objects.get(slug="telefoni"),
            coordinator=coordinator,
            writers=writer_users,
        )
        try:
            dashboard = reverse("incidents:dashboard", args=[incident.pk])
        except NoReverseMatch:
            dashboard = None
            notes.append("incidents:dashboard does not exist yet: no dashboard figures")

        viewer_sessions = [
            seed.session_for(viewer_users[i % len(viewer_users)]) for i in range(VIEWERS)
        ]
        writer_sessions = [seed.session_for(u) for u in writer_users]
        cookie = settings.SESSION_COOKIE_NAME

        if dashboard:
            step("unchanged poll through the test client")
            poll = unchanged_poll(dashboard, viewer_users[0])
            results.update(
                poll_unchanged_status=poll["status"],
                poll_unchanged_bytes=poll["bytes"],
                poll_unchanged_queries=poll["queries"],
            )
            results["poll_unchanged_detail"] = poll
        connections.close_all()
        reset_database_settings(env["DATABASE_URL"])

        step(
            f"gunicorn ({GUNICORN_WORKERS} gthread workers x {GUNICORN_THREADS} threads) "
            f"on 127.0.0.1:{port} and a Celery worker"
        )
        bin_dir = Path(PY).parent
        web = procs.start(
            "gunicorn",
            gunicorn_command(
                port,
                workers=GUNICORN_WORKERS,
                extra=["--threads", str(GUNICORN_THREADS), "--log-level", "warning"],
            ),
            {**env, "GUNICORN_ACCESSLOG": ""},
            ROOT,
        )
        procs.start(
            "celery",
            [
                str(bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "WARNING",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
            ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", timeout=30, proc=web)

        if dashboard:
            step("first load of the dashboard")
            loaded = first_load(base, dashboard, cookie, viewer_sessions[0])
            results["dashboard_first_load_bytes"] = loaded["total"]
            results["dashboard_first_load_detail"] = loaded
            if loaded["errors"]:
                notes.append(f"first load: not 200: {loaded['errors']}")
            if loaded["poll_url"]:
                # Right after the page load, with that page's token: nothing has changed.
                results["poll_unchanged_wire_bytes"] = wire_bytes_of_poll(
                    port, loaded["poll_url"], cookie, viewer_sessions[0]
                )

            step(f"load: {VIEWERS} viewers + {WRITERS} writers for {SECONDS} s")
            plan = {
                "host": "127.0.0.1",
                "port": port,
                "session_cookie": cookie,
                "dashboard_path": dashboard,
                "viewer_sessions": viewer_sessions,
                "writer_sessions": writer_sessions,
                "writers": WRITERS,
                "seconds": SECONDS,
                "warmup_seconds": WARMUP_SECONDS,
                "poll_seconds": POLL_SECONDS,
                "write_seconds": WRITE_SECONDS,
                "log_form": LOG_FORM,
                "step_forms": STEP_FORMS,
            }
            plan_file = LOG_DIR / "plan.json"
            plan_file.write_text(json.dumps(plan))
            database = urllib.parse.urlsplit(env["DATABASE_URL"]).path.lstrip("/")
            pg_marker = f" {database} "

            def cpu():
                return (
                    cpu_seconds(process_group=web.pid),
                    cpu_seconds(cmdline_contains=pg_marker),
                    time.monotonic(),
                    os.getloadavg()[0],
                )

            loader = procs.start("load", [PY, "-m", "bench.load", str(plan_file)], env, ROOT)
            time.sleep(WARMUP_SECONDS)
            cpu_start = cpu()
            try:
                loader.wait(timeout=SECONDS + 40)
            except subprocess.TimeoutExpired:
                notes.append("load generator overran its time bound and was stopped")
            cpu_end = cpu()
            procs.stop(loader)
            out = (LOG_DIR / "load.log").read_text().strip().splitlines()
            results["load"] = json.loads(out[-1]) if out and out[-1].startswith("{") else None
            if results["load"] is None:
                notes.append("load generator printed no result; see var/bench/load.log")
            else:
                load = results["load"]
                wall = cpu_end[2] - cpu_start[2]
                load["gunicorn_cpu_s"] = round(cpu_end[0] - cpu_start[0], 1)
                load["postgres_cpu_s"] = round(cpu_end[1] - cpu_start[1], 1)
                load["server_cpu_ms_per_request"] = round(
                    1000
                    * (load["gunicorn_cpu_s"] + load["postgres_cpu_s"])
                    / max(1, load["requests"]),
                    1,
                )
                load["cpu_window_s"] = round(wall, 1)
                # Other work on the machine during the run (1-min load average).
                load["machine_load_average"] = [round(cpu_start[3], 1), round(cpu_end[3], 1)]

            # Issue 12: how far it scales, and how it degrades short of CPU (bench/live.py).
            sweep_plan = {
                **plan,
                "initial_poll": loaded.get("poll_url")
                and {"url": loaded["poll_url"], "id": "incident-live"},
            }

            def sessions_for(n):
                have = len(viewer_sessions)
                viewer_sessions.extend(
                    seed.session_for(viewer_users[i % len(viewer_users)]) for i in range(have, n)
                )
                return viewer_sessions[:n]

            if live_bench.SWEEP and sweep_plan["initial_poll"]:
                results["capacity"] = live_bench.capacity_sweep(
                    procs, env, ROOT, LOG_DIR, sweep_plan, sessions_for, cpu, step
                )
            if live_bench.OVERLOAD_SECONDS and sweep_plan["initial_poll"]:
                results["overload"] = live_bench.overload_run(
                    procs,
                    env,
                    ROOT,
                    LOG_DIR,
                    {**sweep_plan, "viewer_sessions": viewer_sessions[:VIEWERS]},
                    cpu,
                    step,
                )

        if dashboard and "slow3g" in RUN_HELPERS:
            step("helper benchmark: slow3g (Chromium, emulated slow 3G)")
            helper, problem = run_helper(
                "slow3g",
                env,
                {
                    "base_url": base,
                    "path": dashboard,
                    "username": viewer_users[0].username,
                    "password": seed.PASSWORD,
                },
            )
            results["slow3g_detail"] = helper
            results["slow3g_first_load_ms"] = pick(helper, "ms", "first_load_ms")
            if problem:
                notes.append(problem)

        # The notification benchmark runs a worker of its own on the same broker: ours
        # must not take its tasks. The web server is not needed any more either.
        procs.stop_all()
        for name, keys in (
            ("pdf", {"pdf_bundle_ms": ("render_ms",), "pdf_bundle_peak_rss_mb": ("peak_rss_mb",)}),
            ("notify", {"notify_200_ms": ()}),
            (
                "delivery",
                {
                    "delivery_duplicates_per_1000": ("duplicates_per_1000",),
                    "delivery_recovery_max_s": ("recovery_max_s",),
                },
            ),
        ):
            if name not in RUN_HELPERS:
                continue
            step(f"helper benchmark: {name}")
            helper, problem = run_helper(name, env)
            results[f"{name}_detail"] = helper
            if problem:
                notes.append(problem)
            for key, candidates in keys.items():
                results[key] = pick(helper, *candidates)
    except KeyboardInterrupt:
        notes.append("interrupted")
        print("interrupted: stopping everything", file=sys.stderr)
        return_code = 130
    except Exception as exc:
        import traceback

        traceback.print_exc()
        notes.append(f"failed: {exc!r}")
        return_code = 1
    else:
        return_code = 0
    finally:
        procs.stop_all()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()

    results["duration_s"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    if results["machine"] and return_code == 0:  # an aborted run keeps the last figures
        from bench.report import write_readme

        write_readme(results)
    print(
        json.dumps(
            {k: v for k, v in results.items() if not k.endswith("_detail")},
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    )
    return return_code


if __name__ == "__main__":
    sys.exit(main())
