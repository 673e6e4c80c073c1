"""The stack `make bench` measures: its environment, a fresh database, the servers.

Plain functions for bench/run.py; Django is set up by the caller before ``machine_info``.
"""

import os
import platform
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


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


def start_servers(procs, env: dict, port: int, *, workers: int, threads: int):
    """gunicorn as the Dockerfile runs it (config/gunicorn.py: gthread, limits, the
    queue-wait instrument that sheds polls) and a Celery worker; returns gunicorn."""
    from tests.prodserver import gunicorn_command

    web = procs.start(
        "gunicorn",
        gunicorn_command(
            port,
            workers=workers,
            extra=[
                *("-c", "config/gunicorn.py"),
                *("--threads", str(threads), "--log-level", "warning"),
            ],
        ),
        {**env, "GUNICORN_ACCESSLOG": ""},
        ROOT,
    )
    celery = str(Path(PY).parent / "celery")
    worker = ["worker", "--loglevel", "WARNING", "--pool", "threads", "--concurrency", "4"]
    procs.start(
        "celery",
        [celery, "-A", "config", *worker, "--without-gossip", "--without-mingle"],
        env,
        ROOT,
    )
    return web
