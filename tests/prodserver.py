"""The app started the way it ships, for the tests and for `make bench`.

What the Dockerfile and docker-compose.yml run: gunicorn with sync workers, ``DEBUG=0``,
the hashed and compressed static files (``STATIC_MANIFEST=1``) after ``collectstatic``,
PostgreSQL, Redis as broker and cache, django-axes and every security header on. Only
what plain HTTP on 127.0.0.1 cannot have is off: the HTTPS redirect, HSTS and
secure-only cookies. The PWA, offline, two-phone and axe tests, the fault tests and the
benchmark all build it here, so that what they exercise is what ships.

Plain Python (importable by bench/ before Django is set up); the pytest fixtures at the
end wrap it for the tests.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As in the Dockerfile's CMD and the compose file's web command.
GUNICORN_WORKERS = 3
# Same as the defaults in config/settings.py, but explicit: a test must not depend on
# the developer's .env.
LOOPBACK_HOSTS = "127.0.0.1,localhost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database a Django connection is using (the test database)."""
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def production_env(
    *,
    database_url: str,
    redis_url: str,
    secret_key: str,
    static_root: Path | str | None = None,
    email_url: str = "dummymail://",
    base: dict | None = None,
    port: int | None = None,
    **extra: str,
) -> dict:
    """The environment of the compose file's ``web`` service, for a server on loopback.

    ``redis_url`` empty means the embedded defaults (filesystem broker, LocMem cache).
    ``extra`` overrides anything, e.g. ``AXES_ENABLED="0"`` for a load test that logs in
    hundreds of users, or ``CONN_MAX_AGE``.
    """
    env = dict(os.environ if base is None else base)
    if port:
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    # pytest-env's and a developer's .env's relaxations must not leak into the server.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_ROOT", "MEDIA_ROOT"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=LOOPBACK_HOSTS,
        CSRF_TRUSTED_ORIGINS="",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_URL=email_url,
        STATIC_MANIFEST="1",
        AXES_ENABLED="1",
        # Plain HTTP on 127.0.0.1: no TLS redirect, no HSTS, cookies over HTTP.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    if static_root is not None:
        env["STATIC_ROOT"] = str(static_root)
    env.update(extra)
    return env


def manage_py(*args: str, env: dict, timeout: float) -> subprocess.CompletedProcess:
    """``manage.py <args>`` in a process of its own with ``env``; its output as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def collect_static(static_root: Path | str, *, base: dict | None = None) -> Path:
    """``collectstatic`` as the Dockerfile runs it (hashed + compressed) into ``static_root``.

    In a process of its own: the calling test process keeps the plain storage.
    """
    env = dict(os.environ if base is None else base)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_MANIFEST="1",
        STATIC_ROOT=str(static_root),
        SECRET_KEY=env.get("SECRET_KEY") or "build-only",
        LOG_LEVEL="WARNING",
    )
    done = manage_py("collectstatic", "--noinput", "-v", "0", env=env, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"collectstatic failed:\n{done.stdout}{done.stderr}")
    return Path(static_root)


def gunicorn_command(port: int, *, workers: int = GUNICORN_WORKERS, extra=()) -> list[str]:
    """The Dockerfile's CMD, bound to loopback."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # Its default path is shared by every gunicorn of the user on the machine.
        "--no-control-socket",
        *extra,
    ]


class ProductionServer:
    """gunicorn in its own process group, so stopping it stops its workers and nothing else."""

    def __init__(self, env: dict, log: Path, *, port: int | None = None, workers=None):
        self.port = port or free_port()
        self.env = {**env, "SITE_URL": f"http://127.0.0.1:{self.port}"}
        self.log_path = Path(log)
        self.workers = workers or GUNICORN_WORKERS
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_of(self, path: str) -> str:
        return f"{self.url}{path}"

    def start(self, *, timeout: float = 60) -> "ProductionServer":
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            gunicorn_command(self.port, workers=self.workers, extra=["--timeout", "30"]),
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")
            time.sleep(0.2)
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.url_of("/login/"), timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def freeze(self, seconds: float) -> threading.Timer:
        """Stop every process of the server (SIGSTOP) for ``seconds``: the kernel still
        accepts connections and they wait, as with a server that hangs. Returns the timer
        that continues it; ``thaw()`` continues it at once."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        timer = threading.Timer(seconds, self.thaw)
        timer.daemon = True
        timer.start()
        return timer

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        if self.process is not None:
            # Workers of a master that already exited.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None
        self.process = None

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


# ---- pytest fixtures ------------------------------------------------------------------------
# Imported by the conftest files (and browser test modules) that use them.

try:
    import pytest
except ImportError:  # bench/ on a machine without the dev extras
    pytest = None

if pytest is not None:

    @pytest.fixture(scope="session")
    def production_static_root(tmp_path_factory):
        """The static files collected once per test run, hashed and compressed."""
        return collect_static(tmp_path_factory.mktemp("staticfiles"))

    @pytest.fixture
    def production_env_factory(production_static_root, settings):
        """``make(**overrides)``: the production environment for the test's database."""
        from django.db import connection

        def make(**extra):
            defaults = {
                "database_url": database_url(connection.settings_dict)
                if connection.vendor == "postgresql"
                else "",
                "redis_url": os.environ.get("REDIS_URL", ""),
                "secret_key": settings.SECRET_KEY,
                "static_root": production_static_root,
            }
            keywords = {k: extra.pop(k) for k in list(extra) if k in defaults or k == "email_url"}
            return production_env(**{**defaults, **keywords}, **extra)

        return make

    def _wait_for_backends_to_end(connection, timeout: float = 10) -> None:
        """PostgreSQL ends a backend shortly after its client exited; until then it refuses
        to drop the test database ("being accessed by other users")."""
        deadline = time.monotonic() + timeout
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.1)

    def production_server_required() -> str:
        """Skip (in CI: fail) unless a production-like server can run on the test data; the
        Redis URL it caches in back."""
        from django.db import connection

        from tests.conftest import require

        require(
            connection.vendor == "postgresql",
            "the production-like server reads the test's data from PostgreSQL "
            "(set DATABASE_URL; SQLite's test database lives in the test process' memory)",
        )
        redis_url = os.environ.get("REDIS_URL", "")
        require(
            bool(redis_url),
            "the production-like server caches in Redis, which every test empties (set "
            "REDIS_URL; a LocMem cache inside gunicorn would keep one test's pages for the next)",
        )
        return redis_url

    def production_env_for_tests(*, static_root, redis_url: str | None = None, **extra) -> dict:
        """``production_env`` on the test database, with the test settings' secret key and
        (unless ``redis_url`` says otherwise) the tests' Redis."""
        from django.conf import settings
        from django.db import connection

        return production_env(
            database_url=database_url(connection.settings_dict),
            redis_url=os.environ["REDIS_URL"] if redis_url is None else redis_url,
            secret_key=settings.SECRET_KEY,
            static_root=static_root,
            **extra,
        )

    def after_the_servers(request, django_db_blocker, *, logs, what: str) -> None:
        """Once a fixture's servers are stopped: wait until PostgreSQL has ended their
        backends, and if a test failed, tell where their ``logs`` are."""
        from django.db import connection

        with django_db_blocker.unblock():
            _wait_for_backends_to_end(connection)
        # The failing test's report shows where the log is.
        if request.session.testsfailed:
            print(f"\n{what}: {logs}")

    @pytest.fixture(scope="session")
    def _production_server_for_the_session(request, django_db_setup, django_db_blocker):
        """One gunicorn for the whole run, on the test database; started on first use."""
        redis_url = production_server_required()
        # Collected only once the server can run at all.
        env = production_env_for_tests(
            static_root=request.getfixturevalue("production_static_root"), redis_url=redis_url
        )
        log = Path(tempfile.mkdtemp(prefix="ak-prodserver-")) / "gunicorn.log"
        server = ProductionServer(env, log)
        server.start()
        yield server
        server.stop()
        after_the_servers(request, django_db_blocker, logs=log, what="production-like server log")

    @pytest.fixture
    def production_server(_production_server_for_the_session, transactional_db):
        """The running production-like server. Transactional: what the test writes is
        committed, so gunicorn's workers see it; the flush after the test removes it and
        the autouse ``empty_cache`` empties the shared Redis cache before the next one."""
        server = _production_server_for_the_session
        if server.process is None or server.process.poll() is not None:
            raise RuntimeError(f"the production-like server died:\n{server.log()}")
        return server
