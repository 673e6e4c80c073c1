"""Production configuration: `check --deploy`, docker-compose and the CI environment."""

import os
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.prodserver import manage_py

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3v!9x#q2@zL7p%w8r&t5y*u1i(o0p)a-s_d+f=g4h6jN7mB2vC8xZ1qW5eR9tY3uI6oP0",
    "ALLOWED_HOSTS": "aktionskort.example.invalid",
    "CSRF_TRUSTED_ORIGINS": "https://aktionskort.example.invalid",
    "SITE_URL": "https://aktionskort.example.invalid",
}
# What production must be given explicitly: everything else has a safe default.
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
}


def test_check_deploy_is_clean_with_production_settings():
    # The browser tests let Playwright's thread use the ORM (DJANGO_ALLOW_ASYNC_UNSAFE);
    # production never sets it, and `check --deploy` rightly refuses it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "CSRF_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(PRODUCTION_ENV)

    result = manage_py("check", "--deploy", "--fail-level", "WARNING", env=env, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_read_every_required_variable():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))

    assert read >= REQUIRED_IN_PRODUCTION


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    assert "pgdata" in compose["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_compose_services_have_healthchecks(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "/healthz" in str(compose["services"]["web"]["healthcheck"]["test"])


def test_compose_commands(compose):
    services = compose["services"]
    assert "gunicorn config.wsgi" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_compose_gives_the_app_every_variable_it_needs(compose):
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert set(service["environment"]) >= REQUIRED_IN_PRODUCTION, name
        assert service["env_file"] == ".env"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    example = (ROOT / ".env.example").read_text()
    for variable in REQUIRED_IN_PRODUCTION:
        assert re.search(rf"^{variable}=", example, re.M), f".env.example lacks {variable}"


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only CI must run on the real services")
@pytest.mark.django_db
def test_ci_runs_on_postgresql_and_redis():
    from django.db import connection

    from config.celery import app as celery_app

    assert connection.vendor == "postgresql"
    assert celery_app.conf.broker_url.startswith("redis://")
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
