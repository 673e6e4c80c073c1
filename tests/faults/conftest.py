"""Private servers for the fault tests. The shared PostgreSQL (5432) and Redis (6379) are
never stopped: each test stops and restarts only what it started itself."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import require

# The notifications app's real-service fixtures (own redis-server, broker switch, SMTP and
# SMS fakes, a real worker) are reused here, not duplicated.
from tests.notifications.conftest import (  # noqa: F401
    broker,
    postgres,
    redis_server,
    sms_gateway,
    smtp_server,
    team_card,
    worker,
    worker_factory,
)
from tests.prodserver import ProductionServer, free_port

BASE_DIR = Path(__file__).resolve().parents[2]
PG_BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


class PrivatePostgres:
    """A throw-away cluster (initdb + pg_ctl) that the test may restart at will.

    PostgreSQL refuses to run as root, so as root (CI) the cluster belongs to the
    `postgres` OS user and its commands run through `runuser`.
    """

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ak-faults-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args, timeout=60):
        command = [f"{PG_BIN}/{args[0]}", *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def init(self):
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _ctl(self, action, timeout=30):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"),
            "-w", "-t", str(timeout), "-m", "fast", action, timeout=timeout + 10,
        )  # fmt: skip

    def start(self):
        self._ctl("start")

    def restart(self):
        self._ctl("restart")

    def stop(self):
        with contextlib.suppress(Exception):
            self._ctl("stop")

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, settings_dict, name):
        """The test database (migrated, with whatever the test committed) into ours."""
        source = (
            f"postgresql://{settings_dict['USER'] or 'postgres'}@"
            f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
            f"{settings_dict['NAME']}"
        )
        env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
        subprocess.run(
            [f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        dump = subprocess.run(
            [f"{PG_BIN}/pg_dump", "--no-owner", "--no-privileges", source],
            check=True, capture_output=True, timeout=60, env=env,
        )  # fmt: skip
        subprocess.run(
            [f"{PG_BIN}/psql", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump.stdout, check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    require(bool(PG_BIN), "PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    require(
        connection.vendor == "postgresql",
        "the PostgreSQL fault test copies the test database (set DATABASE_URL)",
    )
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def gunicorn_factory(tmp_path, production_env_factory):
    """``make(**env)``: the app as it ships (tests/prodserver.py), one worker, not started;
    ``env`` overrides the production environment (a private PostgreSQL, no Redis)."""
    servers = []

    def make(**env):
        server = ProductionServer(
            production_env_factory(**env), tmp_path / "gunicorn.log", workers=1
        )
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
